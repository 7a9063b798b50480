// The console's files are compiled into ledgerd (tools/ledgerd/console/):
// every file of the tree is served byte for byte under /console/, with a
// content type a browser acts on, and nothing else is.
#include "tools/ledgerd/console/console_assets.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "gtest/gtest.h"

namespace ledger::console {
namespace {

namespace fs = std::filesystem;

std::string ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::set<std::string> FilesInTree() {
  std::set<std::string> names;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(CONSOLE_FILES_DIR)) {
    if (entry.is_regular_file()) names.insert(entry.path().filename());
  }
  return names;
}

TEST(ConsoleAssets, EveryFileOfTheTreeIsEmbeddedByteForByte) {
  const std::set<std::string> names = FilesInTree();
  ASSERT_TRUE(names.count("index.html")) << "the console has no index.html";
  for (const std::string& name : names) {
    const ConsoleAsset* asset = FindConsoleAsset("/console/" + name);
    ASSERT_NE(asset, nullptr) << name << " is not embedded";
    const std::string expected =
        ReadWholeFile(fs::path(CONSOLE_FILES_DIR) / name);
    ASSERT_FALSE(expected.empty()) << name;
    EXPECT_EQ(asset->bytes.size(), expected.size()) << name;
    EXPECT_TRUE(asset->bytes == expected) << name << " differs from the tree";
    EXPECT_EQ(asset->path, "/console/" + name);
  }
}

TEST(ConsoleAssets, NothingIsEmbeddedThatTheTreeDoesNotHold) {
  const std::set<std::string> names = FilesInTree();
  std::set<std::string> embedded;
  for (const ConsoleAsset& asset : AllConsoleAssets()) {
    ASSERT_TRUE(asset.path.starts_with(kConsolePrefix)) << asset.path;
    embedded.insert(std::string(asset.path.substr(kConsolePrefix.size())));
  }
  EXPECT_EQ(embedded, names);
}

TEST(ConsoleAssets, TheConsoleRootIsIndexHtml) {
  const ConsoleAsset* root = FindConsoleAsset("/console/");
  const ConsoleAsset* index = FindConsoleAsset("/console/index.html");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root, index);
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_NE(root->bytes.find("<!DOCTYPE html>"), std::string_view::npos);
}

TEST(ConsoleAssets, ScriptsAndStylesCarryTheTypeABrowserRuns) {
  bool saw_script = false;
  bool saw_style = false;
  for (const ConsoleAsset& asset : AllConsoleAssets()) {
    if (asset.path.ends_with(".js")) {
      saw_script = true;
      EXPECT_EQ(asset.content_type, "text/javascript; charset=utf-8");
    }
    if (asset.path.ends_with(".css")) {
      saw_style = true;
      EXPECT_EQ(asset.content_type, "text/css; charset=utf-8");
    }
  }
  EXPECT_TRUE(saw_script);
  EXPECT_TRUE(saw_style);
}

TEST(ConsoleAssets, UnknownAndEscapingPathsAreNotFound) {
  for (std::string_view path :
       {"", "/", "/console", "/console/nope.js", "/console/../CMakeLists.txt",
        "/console/./index.html", "/console/INDEX.HTML", "/console/index.html/",
        "/console/index.html?x=1", "/console//index.html", "index.html",
        "/console/%69ndex.html", "/v1/console/index.html",
        "/console/embed_files.cmake", "/console/console_assets.h"}) {
    EXPECT_EQ(FindConsoleAsset(path), nullptr) << path;
  }
}

}  // namespace
}  // namespace ledger::console
