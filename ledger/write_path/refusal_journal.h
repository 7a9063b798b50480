// The refusal journal's writing side (docs/storage.md, "The refusal
// journal"; docs/audit.md, "What was refused"): each rejected command is
// put in the group's own WriteBatch, in a column family of its own, so it
// costs no extra sync and is never part of the hash-chained log.
//
// Durability: a group with accepted commands writes its refusals in the
// same synced batch; a group of refusals only writes them unsynced (the
// next synced write, or a clean close, makes them durable). So a crash
// loses no acknowledged command and at most the refusals in flight.
#ifndef CREDIT_LEDGER_LEDGER_WRITE_PATH_REFUSAL_JOURNAL_H_
#define CREDIT_LEDGER_LEDGER_WRITE_PATH_REFUSAL_JOURNAL_H_

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "ledger/ledger.h"
#include "ledger/storage/store.h"
#include "ledger/v1/command.pb.h"
#include "rocksdb/write_batch.h"

namespace ledger {

class RefusalJournal {
 public:
  // `retention` is Options::rejection_retention; zero turns the journal off.
  RefusalJournal(Store* store, std::chrono::seconds retention)
      : store_(store), retention_(retention) {}

  // Reads where the key counter resumes, and builds the per-customer
  // index (storage_layout.h) of a journal made before it. Call once, at
  // a writable open, before Record.
  [[nodiscard]] absl::Status Open();

  bool enabled() const { return retention_.count() > 0 && store_->rejections() != nullptr; }

  // Puts the refusal `result` of `command` (empty when the input did not
  // parse) into `batch`, recorded at `now_us` (the writer's clock) by
  // `actor`. REQUIRES: result.outcome == kRejected. Only the group's
  // leader calls it, under the state lock.
  void Record(const v1::Command& command, const SubmitResult& result,
              std::string_view actor, int64_t now_us, rocksdb::WriteBatch& batch);

  // The most expired refusals one sweep reads and deletes.
  static constexpr size_t kMaxPrunedPerSweep = 4096;

  // Puts into `batch` the deletion of the refusals recorded more than the
  // retention before `now_us`, and of their index entries: at most once a
  // minute of the writer's clock (sooner while catching up past
  // kMaxPrunedPerSweep), and at the first call after Open.
  void Prune(int64_t now_us, rocksdb::WriteBatch& batch);

 private:
  // Whether the journal's family has an entry under `key`.
  absl::StatusOr<bool> HasEntry(std::string_view key) const;
  // The value under `key`; nullopt when there is none.
  absl::StatusOr<std::optional<std::string>> ValueOf(std::string_view key) const;
  // Indexes every refusal unless the index is known complete; `last` is
  // the journal's last refusal key.
  absl::Status BuildIndex(const std::optional<std::string>& last);

  Store* const store_;
  const std::chrono::seconds retention_;
  uint64_t next_counter_ = 0;
  int64_t last_prune_us_ = std::numeric_limits<int64_t>::min();
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_WRITE_PATH_REFUSAL_JOURNAL_H_
