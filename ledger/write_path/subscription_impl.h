// The Subscription behind Ledger::Subscribe: waits on the CommitFeed for the
// writer's durable seq, then reads the events from the store itself, one
// bounded chunk at a time, and hands them out one by one.
#ifndef CREDIT_LEDGER_LEDGER_WRITE_PATH_SUBSCRIPTION_IMPL_H_
#define CREDIT_LEDGER_LEDGER_WRITE_PATH_SUBSCRIPTION_IMPL_H_

#include <atomic>
#include <deque>
#include <memory>

#include "ledger/write_path/commit_feed.h"
#include "ledger/subscription.h"

namespace ledger {

class SubscriptionImpl final : public Subscription {
 public:
  // REQUIRES: from_seq >= 1.
  SubscriptionImpl(std::shared_ptr<CommitFeed> feed, uint64_t from_seq);

  absl::StatusOr<std::optional<v1::Event>> Next(absl::Time deadline) override;
  absl::StatusOr<std::optional<SubscribedEvent>> NextStored(
      absl::Time deadline) override;
  void Cancel() override;
  uint64_t next_seq() const override;

 private:
  const std::shared_ptr<CommitFeed> feed_;
  // Written by the consumer thread only; atomic so next_seq() may be read
  // from another thread.
  std::atomic<uint64_t> next_seq_;
  std::atomic<bool> cancelled_{false};
  // Consumer thread only.
  std::deque<SubscribedEvent> buffer_;  // from next_seq_ on, read ahead
  absl::Status ended_;            // once set, every Next returns it
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_WRITE_PATH_SUBSCRIPTION_IMPL_H_
