// Small files and folders that survive a power cut (docs/reliability.md,
// "What each guarantee rests on"). A file written in place can be found
// empty or torn after a power cut, and a new file or folder can vanish
// with its folder's entry unless that folder is synced. Here:
//
// - WriteFileDurably writes a temporary file beside the target, syncs it,
//   renames it over the target and syncs the folder: a power cut leaves
//   the old bytes or the new ones, never a mix, and once it returned the
//   new ones;
// - CreateFoldersDurably creates the missing folders of a path and syncs
//   each new folder's parent, so the folder itself is still there after a
//   power cut.
//
// The file operations go through FileOps, so a test can run them on a
// model of a power cut (the RocksDB file system of the ledger's tests);
// PosixFileOps() is the real one.
#ifndef CREDIT_LEDGER_LEDGER_BASE_DURABLE_FILE_H_
#define CREDIT_LEDGER_LEDGER_BASE_DURABLE_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace ledger {

class FileOps {
 public:
  virtual ~FileOps() = default;
  virtual bool Exists(const std::string& path) = 0;
  // Creates one folder, whose parent exists. OK when it exists.
  [[nodiscard]] virtual absl::Status CreateFolder(const std::string& path) = 0;
  // Creates or empties `path`, writes `bytes`, syncs the file's data to
  // the device and closes it.
  [[nodiscard]] virtual absl::Status WriteAndSync(const std::string& path,
                                                  std::string_view bytes) = 0;
  // Renames `from` to `to`, replacing `to` atomically.
  [[nodiscard]] virtual absl::Status Rename(const std::string& from,
                                            const std::string& to) = 0;
  // Syncs a folder's entries (fsync of the folder).
  [[nodiscard]] virtual absl::Status SyncFolder(const std::string& path) = 0;
};

// The operating system's calls: open, write, fsync, rename, mkdir.
FileOps& PosixFileOps();

// Replaces `path` with `bytes` as described above. `path + ".tmp"` is its
// scratch name; one left by a power cut is overwritten by the next call.
// Unavailable (with the path and the system's reason) on failure.
[[nodiscard]] absl::Status WriteFileDurably(const std::string& path,
                                            std::string_view bytes,
                                            FileOps& ops = PosixFileOps());

// Creates `path` and its missing parents, syncing the parent of each
// folder it created. OK when `path` exists (its entry is then the
// creator's to have synced).
[[nodiscard]] absl::Status CreateFoldersDurably(const std::string& path,
                                                FileOps& ops = PosixFileOps());

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_BASE_DURABLE_FILE_H_
