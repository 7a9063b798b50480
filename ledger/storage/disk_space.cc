#include "ledger/storage/disk_space.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/ledger.h"

namespace ledger {

absl::StatusOr<uint64_t> FreeDiskBytes(const std::string& dir) {
  struct statvfs fs;
  if (statvfs(dir.c_str(), &fs) != 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot read the free space of ", dir, ": ", std::strerror(errno)));
  }
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
}

absl::Status DiskFullError(const std::string& dir, const std::string& detail) {
  absl::Status full = absl::UnavailableError(absl::StrCat(
      "the disk of the ledger ", dir, " is full (", detail,
      "); free space or grow the disk: writes resume by themselves once "
      "there is room, and a retry of the same commands is safe"));
  full.SetPayload(kDiskFullPayloadUrl, absl::Cord("1"));
  return full;
}

bool IsDiskFull(const absl::Status& status) {
  return absl::IsUnavailable(status) &&
         status.GetPayload(kDiskFullPayloadUrl).has_value();
}

std::string HumanBytes(uint64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " bytes");
  if (bytes < (uint64_t{1} << 20)) {
    return absl::StrFormat("%.1f KiB", static_cast<double>(bytes) / 1024);
  }
  if (bytes < (uint64_t{1} << 30)) {
    return absl::StrFormat("%.1f MiB",
                           static_cast<double>(bytes) / (1 << 20));
  }
  return absl::StrFormat("%.1f GiB", static_cast<double>(bytes) / (1 << 30));
}

bool IsNoSpace(const rocksdb::Status& status) {
  return status.IsNoSpace() ||
         status.subcode() == rocksdb::Status::SubCode::kSpaceLimit;
}

void OutOfSpaceListener::OnBackgroundError(
    rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status* error) {
  if (error != nullptr && IsNoSpace(*error)) Mark(error->ToString());
}

void OutOfSpaceListener::OnErrorRecoveryBegin(
    rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status error,
    bool* auto_recovery) {
  // RocksDB resumes by itself once its SstFileManager sees free space
  // above a buffer it picks (the largest memtable), from a thread of its
  // own. A Resume that fails there, mid-flush, has been seen to leave a
  // later Resume waiting forever (docs/reliability.md): the ledger resumes
  // only after its own check of the free space, from its writer.
  if (IsNoSpace(error)) {
    Mark(error.ToString());
    *auto_recovery = false;
  }
  error.PermitUncheckedError();
}

void OutOfSpaceListener::Mark(const std::string& what) {
  absl::MutexLock lock(&mu_);
  if (what_.empty()) what_ = what;
  out_of_space_.store(true);
}

void OutOfSpaceListener::Clear() {
  absl::MutexLock lock(&mu_);
  what_.clear();
  out_of_space_.store(false);
}

std::string OutOfSpaceListener::what() const {
  absl::MutexLock lock(&mu_);
  return what_;
}

}  // namespace ledger
