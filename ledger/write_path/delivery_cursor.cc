// Ledger::SetDeliveryCursor and DeliveryCursor (ledger.h): how far a
// consumer downstream of the ledger got, kept in the meta family under
// kDeliveryCursorPrefix + name (docs/storage.md). A cursor is not a fact of
// the ledger, so it is written in a RocksDB batch of its own, outside the
// commit queue: it never waits behind a group of commands, and it never
// touches the head or the hash chain.
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/write_path/ledger_impl.h"

namespace ledger {
namespace {

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

absl::Status CheckCursorName(const std::string& name) {
  if (name.empty() || name.size() > kMaxIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a delivery cursor's name has 1 to ", kMaxIdLength,
        " characters, got ", name.size()));
  }
  for (char c : name) {
    if (!IsIdChar(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a delivery cursor's name is of [A-Za-z0-9._:-], got '", name, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LedgerImpl::SetDeliveryCursor(const std::string& name,
                                           uint64_t seq) {
  RETURN_IF_ERROR(CheckCursorName(name));
  // As for a group: a cursor is not written while the disk is full or under
  // Options::min_free_disk_bytes (the disk-full Unavailable; the caller
  // retries), and a write refused for want of space does not stop the
  // ledger: the store resumes once there is room. space_mu_ comes before
  // store_mu_, as in Close.
  absl::MutexLock space_lock(&space_mu_);
  // Held shared while writing, so Close cannot close the store under us.
  absl::ReaderMutexLock store_lock(&store_mu_);
  {
    absl::ReaderMutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
  }
  RETURN_IF_ERROR(EnsureWritable());
  {
    absl::ReaderMutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
    if (seq > durable_seq_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "delivery cursor '", name, "' at seq ", seq,
          " is past the last durable event, seq ", durable_seq_));
    }
  }
  rocksdb::WriteBatch batch;
  batch.Put(store_->meta(), absl::StrCat(kDeliveryCursorPrefix, name),
            EncodeDeliveryCursor(seq));
  // RocksDB orders this write with the writer's own groups; both sync the
  // same WAL.
  absl::Status written = store_->Write(batch, options_.sync);
  if (written.ok() || IsDiskFull(written)) return written;
  // As after a failed commit: what the disk holds is known only on reopen,
  // and RocksDB must not be written again before that (docs/storage.md).
  absl::MutexLock lock(&state_mu_);
  if (!failed_.ok()) return failed_;
  return Stop(written);
}

absl::StatusOr<uint64_t> LedgerImpl::DeliveryCursor(
    const std::string& name) const {
  RETURN_IF_ERROR(CheckCursorName(name));
  absl::ReaderMutexLock store_lock(&store_mu_);
  {
    absl::ReaderMutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
  }
  // The meta family holds a handful of records: a scan is as cheap as a get.
  const std::string wanted = absl::StrCat(kDeliveryCursorPrefix, name);
  uint64_t cursor = 0;
  RETURN_IF_ERROR(store_->ForEachMetaEntry(
      [&](std::string_view key, std::string_view value) -> absl::Status {
        if (key != wanted) return absl::OkStatus();
        ASSIGN_OR_RETURN(cursor, DecodeDeliveryCursor(value));
        return absl::OkStatus();
      }));
  return cursor;
}

}  // namespace ledger
