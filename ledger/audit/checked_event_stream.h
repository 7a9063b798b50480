// The event log read in order and checked in parallel: one thread scans the
// `events` family, checker threads run CheckStoredEvent on whole batches at
// once, and the caller gets the checked events back in log order. Replay
// folds them; the checks that need no state (hash chain, parse, journal
// balance, canonical command) then cost it no time of its own.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_CHECKED_EVENT_STREAM_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_CHECKED_EVENT_STREAM_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "ledger/audit/event_check.h"
#include "ledger/storage/store.h"

namespace ledger {

class CheckedEventStream {
 public:
  // Events per batch: large enough that the hand-offs (a lock each) cost
  // nothing per event, small enough that a stop wastes little work.
  static constexpr size_t kBatchEvents = 512;
  // Batches read ahead of the caller, at most: bounds memory to about
  // kBatches * kBatchEvents events whatever the log's length.
  static constexpr size_t kBatches = 8;

  // Starts reading `store`'s events from seq 1, the first `limit` of them
  // when set, else to the end of the log, with `checkers` checker threads
  // (at least 1). `store` must outlive the stream.
  CheckedEventStream(const Store& store, std::optional<uint64_t> limit,
                     int checkers);
  // Stops the threads (a caller may stop early, at the first bad event) and
  // waits for them.
  ~CheckedEventStream();

  CheckedEventStream(const CheckedEventStream&) = delete;
  CheckedEventStream& operator=(const CheckedEventStream&) = delete;

  // The next checked events in log order; empty once every event was
  // handed out. Valid until the next call. An event with a problem is
  // followed by events checked as if it were good: the caller stops there.
  absl::Span<const CheckedEvent> Next();

  // Once Next returned empty: the scan's error, if reading the log failed.
  absl::Status status();

 private:
  struct Batch;

  void Read();
  void Check();
  Batch* TakeFreeBatch();
  bool ReaderMayTake() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CheckerMayGo() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CallerMayGo() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Batch* NextToCheck() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Store& store_;
  const std::optional<uint64_t> limit_;
  std::vector<std::unique_ptr<Batch>> batches_;  // all of them, for ownership
  Batch* held_ = nullptr;  // the batch the caller reads (caller's thread only)

  absl::Mutex mu_;
  std::vector<Batch*> free_ ABSL_GUARDED_BY(mu_);
  std::deque<Batch*> in_order_ ABSL_GUARDED_BY(mu_);  // read, in log order
  bool read_all_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);

  std::thread reader_;
  std::vector<std::thread> checkers_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_CHECKED_EVENT_STREAM_H_
