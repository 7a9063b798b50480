// The ledger's disk running out: how much room is left, the status a write
// gets while it is full, and the listener that learns of RocksDB's no-space
// errors (a WAL write, a memtable flush, a compaction, a MANIFEST write)
// and keeps RocksDB's own recovery out of the way so that the write path
// decides when the store resumes (docs/reliability.md, "A full disk").
#ifndef CREDIT_LEDGER_LEDGER_STORAGE_DISK_SPACE_H_
#define CREDIT_LEDGER_LEDGER_STORAGE_DISK_SPACE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/listener.h"
#include "rocksdb/status.h"

namespace ledger {

// The payload that marks a disk-full status (IsDiskFull, ledger.h).
inline constexpr char kDiskFullPayloadUrl[] = "type.credit-ledger/disk-full";

// Bytes an unprivileged writer may still use on the file system of `dir`
// (statvfs's f_bavail). Unavailable when it cannot be read.
[[nodiscard]] absl::StatusOr<uint64_t> FreeDiskBytes(const std::string& dir);

// Unavailable, marked as disk-full, naming `dir` and saying what to do:
// "the disk of the ledger DIR is full (DETAIL); free space or grow the
// disk: writes resume by themselves once there is room, and a retry of
// the same commands is safe".
[[nodiscard]] absl::Status DiskFullError(const std::string& dir,
                                         const std::string& detail);

// "12.5 MiB": sizes in messages.
std::string HumanBytes(uint64_t bytes);

// Whether RocksDB reports the disk (or its space limit) full.
bool IsNoSpace(const rocksdb::Status& status);

// Registered on the writer's database. RocksDB calls it on a background
// error; a no-space error marks the store out of space, and its automatic
// recovery (the SstFileManager polling free space and resuming on its own
// thread) is turned off: the write path resumes the store itself, from a
// thread it controls, once its own check finds room (Store::Resume).
class OutOfSpaceListener : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "ledger.OutOfSpaceListener"; }
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* error) override;
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason,
                            rocksdb::Status error,
                            bool* auto_recovery) override;

  // Marks the store out of space (also called for a failed foreground
  // write), with RocksDB's message.
  void Mark(const std::string& what);
  // After a successful Resume.
  void Clear();
  bool out_of_space() const { return out_of_space_.load(); }
  // RocksDB's message of the error that marked it; empty when not marked.
  std::string what() const;

 private:
  std::atomic<bool> out_of_space_{false};
  mutable absl::Mutex mu_;
  std::string what_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_STORAGE_DISK_SPACE_H_
