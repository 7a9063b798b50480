// The event log read in order and checked in parallel: one thread scans the
// `events` family, CheckStoredEvent runs on whole batches at once, and each
// consumer gets every checked event back in log order. Batches are checked
// by checker threads, and by any consumer whose next batch is not checked
// yet (it checks the earliest unchecked one instead of waiting), so a
// replay with N folding consumers needs no checker thread of its own and
// keeps N cores busy whichever stage is the slower.
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
  // Batches read ahead of the slowest consumer, at most, plus one per
  // consumer: bounds memory to about (kBatches + consumers) * kBatchEvents
  // events whatever the log's length.
  static constexpr size_t kBatches = 8;
  // Consumers at most (ReplayOptions::threads has the same bound).
  static constexpr int kMaxConsumers = 256;

  // Starts reading `store`'s events from seq 1, the first `limit` of them
  // when set, else to the end of the log, with `checkers` checker threads
  // (0 or more: the consumers check what they wait for) and `consumers`
  // consumers (1 to kMaxConsumers), numbered from 0, each of which gets
  // every event. `store` must outlive the stream.
  CheckedEventStream(const Store& store, std::optional<uint64_t> limit,
                     int checkers, int consumers = 1);
  // Stops the threads (a consumer may stop early, at the first bad event)
  // and waits for them. REQUIRES: no consumer is inside Next.
  ~CheckedEventStream();

  CheckedEventStream(const CheckedEventStream&) = delete;
  CheckedEventStream& operator=(const CheckedEventStream&) = delete;

  // The next checked events for `consumer`, in log order; empty once every
  // event was handed out to it. Valid until its next call of Next or
  // Leave. An event with a problem is followed by events checked as if it
  // were good: the consumer stops there. One thread per consumer at a time.
  absl::Span<const CheckedEvent> Next(int consumer = 0);

  // `consumer` takes no more events: what it holds goes back, and the
  // others no longer wait for it. Once every consumer left, reading stops.
  void Leave(int consumer);

  // Once Next returned empty: the scan's error, if reading the log failed.
  absl::Status status();

 private:
  struct Batch;
  struct Consumer {
    uint64_t next = 0;        // the number of the next batch it gets
    Batch* held = nullptr;    // the batch it reads, batch number next - 1
    bool left = false;
  };
  struct Waiter {
    CheckedEventStream* stream;
    int consumer;
  };

  void Read();
  void Check();
  void CheckBatch(Batch* batch);
  Batch* TakeFreeBatch();
  bool ReaderMayTake() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CheckerMayGo() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static bool ConsumerMayGo(Waiter* waiter) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  Batch* NextToCheck() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Batch* BatchNumbered(uint64_t number) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release(Consumer& consumer) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FreeDoneBatches() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Store& store_;
  const std::optional<uint64_t> limit_;
  std::vector<std::unique_ptr<Batch>> batches_;  // all of them, for ownership

  absl::Mutex mu_;
  std::vector<Batch*> free_ ABSL_GUARDED_BY(mu_);
  // Read, in log order, until every consumer is done with them; the front
  // one is numbered first_number_.
  std::deque<Batch*> in_order_ ABSL_GUARDED_BY(mu_);
  uint64_t first_number_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Consumer> consumers_ ABSL_GUARDED_BY(mu_);
  int consumers_left_ ABSL_GUARDED_BY(mu_) = 0;
  bool read_all_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);

  std::thread reader_;
  std::vector<std::thread> checkers_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_CHECKED_EVENT_STREAM_H_
