#include "ledger/storage/rocks_file_ops.h"

#include <memory>

#include "absl/strings/str_cat.h"

namespace ledger {
namespace {

absl::Status FromIo(const rocksdb::IOStatus& s, std::string_view what,
                    const std::string& path) {
  if (s.ok()) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("cannot ", std::string(what), " ", path, ": ", s.ToString()));
}

}  // namespace

bool RocksFileOps::Exists(const std::string& path) {
  return fs_->FileExists(path, rocksdb::IOOptions(), nullptr).ok();
}

absl::Status RocksFileOps::CreateFolder(const std::string& path) {
  return FromIo(fs_->CreateDirIfMissing(path, rocksdb::IOOptions(), nullptr),
                "create", path);
}

absl::Status RocksFileOps::WriteAndSync(const std::string& path,
                                        std::string_view bytes) {
  std::unique_ptr<rocksdb::FSWritableFile> file;
  const rocksdb::IOOptions io;
  rocksdb::IOStatus s =
      fs_->NewWritableFile(path, rocksdb::FileOptions(), &file, nullptr);
  if (s.ok()) s = file->Append(rocksdb::Slice(bytes.data(), bytes.size()), io, nullptr);
  if (s.ok()) s = file->Fsync(io, nullptr);
  if (file != nullptr) {
    rocksdb::IOStatus closed = file->Close(io, nullptr);
    if (s.ok()) s = closed;
  }
  return FromIo(s, "write", path);
}

absl::Status RocksFileOps::Rename(const std::string& from,
                                  const std::string& to) {
  return FromIo(fs_->RenameFile(from, to, rocksdb::IOOptions(), nullptr),
                absl::StrCat("rename ", from, " to"), to);
}

absl::Status RocksFileOps::SyncFolder(const std::string& path) {
  std::unique_ptr<rocksdb::FSDirectory> folder;
  const rocksdb::IOOptions io;
  rocksdb::IOStatus s = fs_->NewDirectory(path, io, &folder, nullptr);
  if (s.ok()) s = folder->Fsync(io, nullptr);
  if (folder != nullptr) {
    rocksdb::IOStatus closed = folder->Close(io, nullptr);
    if (s.ok()) s = closed;
  }
  return FromIo(s, "sync folder", path);
}

}  // namespace ledger
