#include "tools/ledgerd/console/console_assets.h"

#include <string>
#include <vector>

#include "tools/ledgerd/console/embedded_files.h"

namespace ledger::console {
namespace {

// The content type from the file's extension. A file of another kind in
// files/ is still served, as bytes a browser will not run.
std::string_view ContentTypeFor(std::string_view name) {
  struct Kind {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr Kind kKinds[] = {
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".txt", "text/plain; charset=utf-8"},
      {".json", "application/json"},
  };
  for (const Kind& kind : kKinds) {
    if (name.size() >= kind.extension.size() &&
        name.substr(name.size() - kind.extension.size()) == kind.extension) {
      return kind.content_type;
    }
  }
  return "application/octet-stream";
}

struct Table {
  std::vector<std::string> paths;  // owns the strings the assets view
  std::vector<ConsoleAsset> assets;
  const ConsoleAsset* index = nullptr;
};

// Built once, on first use, from the generated arrays; never freed (the
// views must outlive every request).
const Table& TheTable() {
  static const Table* const table = [] {
    auto* t = new Table;
    t->paths.reserve(kEmbeddedFileCount);
    for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
      t->paths.push_back(std::string(kConsolePrefix) + kEmbeddedFiles[i].name);
    }
    t->assets.reserve(kEmbeddedFileCount);
    for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
      const EmbeddedFile& f = kEmbeddedFiles[i];
      t->assets.push_back(ConsoleAsset{
          .path = t->paths[i],
          .content_type = ContentTypeFor(f.name),
          .bytes = std::string_view(reinterpret_cast<const char*>(f.data),
                                    f.size)});
      if (std::string_view(f.name) == "index.html") t->index = &t->assets[i];
    }
    return t;
  }();
  return *table;
}

}  // namespace

const ConsoleAsset* FindConsoleAsset(std::string_view path) {
  const Table& table = TheTable();
  if (path == kConsolePrefix) return table.index;
  // A few dozen files: a scan is as quick as a map and has nothing to keep
  // in step.
  for (const ConsoleAsset& asset : table.assets) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

std::span<const ConsoleAsset> AllConsoleAssets() { return TheTable().assets; }

}  // namespace ledger::console
