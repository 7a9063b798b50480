// What the single writer tells subscriptions (subscription.h): the seq of
// the last durable event, and that the ledger failed or closed. Shared (by
// shared_ptr) between the Ledger and its subscriptions, so a subscription
// can outlive the Ledger and still answer Next.
//
// Two mutexes, so a slow consumer never holds up the writer:
// - mu_ guards the published seq and the end status. The writer holds it
//   for a counter update and a SignalAll; waiting readers hold it only to
//   check and then sleep on the CondVar.
// - store_mu_ guards the Store pointer. Readers hold it shared while they
//   read one bounded chunk of events; only the Ledger's destructor takes it
//   exclusively, to make sure no reader is inside the store when it closes.
#ifndef CREDIT_LEDGER_LEDGER_WRITE_PATH_COMMIT_FEED_H_
#define CREDIT_LEDGER_LEDGER_WRITE_PATH_COMMIT_FEED_H_

#include <atomic>
#include <cstdint>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/storage/store.h"
#include "ledger/subscription.h"
#include "ledger/v1/event.pb.h"

namespace ledger {

class CommitFeed {
 public:
  // `store` must stay open until DetachStore() returns.
  CommitFeed(const Store* store, uint64_t durable_seq);

  // Writer: every event up to `seq` is durable.
  // REQUIRES: seq >= the last seq published (the log only grows).
  void Publish(uint64_t seq);

  // Writer: the ledger failed; waiting and later reads end with `status`.
  // REQUIRES: !status.ok(). The first end wins.
  void End(absl::Status status);

  // The Ledger's destructor: ends the feed with Aborted, then waits for
  // readers inside the store to leave; no one touches the store afterwards.
  void DetachStore();

  // Reader: waits until `seq` is durable, the feed ends, `*cancelled` is
  // set (then call WakeAll) or `deadline` passes. Returns the durable seq
  // (less than `seq` only when the deadline passed), or Cancelled, or the
  // status the feed ended with.
  [[nodiscard]] absl::StatusOr<uint64_t> WaitFor(
      uint64_t seq, const std::atomic<bool>& cancelled, absl::Time deadline);

  // Wakes every waiting reader so it re-checks its cancel flag.
  void WakeAll();

  // How many readers are asleep in WaitFor right now: tests wait on it to
  // know a consumer really blocked before they act, instead of sleeping.
  size_t WaitingReadersForTest() const;

  // Reader: appends the events [from, to] to `out`, in order, each with
  // its stored bytes and hash. DataLoss when one does not parse or one is
  // missing; Aborted after DetachStore.
  // REQUIRES: `to` <= a seq this feed published.
  [[nodiscard]] absl::Status Read(uint64_t from, uint64_t to,
                                  std::deque<SubscribedEvent>* out) const;

 private:
  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  uint64_t durable_seq_ ABSL_GUARDED_BY(mu_);
  absl::Status ended_ ABSL_GUARDED_BY(mu_);
  size_t waiting_readers_ ABSL_GUARDED_BY(mu_) = 0;

  mutable absl::Mutex store_mu_;
  const Store* store_ ABSL_GUARDED_BY(store_mu_);
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_WRITE_PATH_COMMIT_FEED_H_
