// The Subscription of subscription.h over a CommitFeed.
#include "ledger/base/check.h"
#include "ledger/write_path/subscription_impl.h"

#include <algorithm>
#include <utility>

namespace ledger {

SubscriptionImpl::SubscriptionImpl(std::shared_ptr<CommitFeed> feed,
                                   uint64_t from_seq)
    : feed_(std::move(feed)), next_seq_(from_seq) {
  LEDGER_CHECK(from_seq >= 1) << "subscriptions start at seq 1 or later, got " << from_seq;
}

absl::StatusOr<std::optional<v1::Event>> SubscriptionImpl::Next(
    absl::Time deadline) {
  absl::StatusOr<std::optional<SubscribedEvent>> stored = NextStored(deadline);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::optional<v1::Event>();
  return std::optional<v1::Event>(std::move((*stored)->event));
}

absl::StatusOr<std::optional<SubscribedEvent>> SubscriptionImpl::NextStored(
    absl::Time deadline) {
  if (!ended_.ok()) return ended_;
  // Asked every time, also with events buffered, so that Cancel, a close or
  // a failure of the ledger ends the subscription at once.
  absl::StatusOr<uint64_t> durable =
      feed_->WaitFor(next_seq_.load(), cancelled_, deadline);
  if (!durable.ok()) {
    ended_ = durable.status();
    buffer_.clear();
    return ended_;
  }
  if (buffer_.empty()) {
    if (*durable < next_seq_.load()) return std::optional<SubscribedEvent>();
    const uint64_t last =
        std::min(*durable, next_seq_.load() + kSubscriptionChunkEvents - 1);
    absl::Status read = feed_->Read(next_seq_.load(), last, &buffer_);
    if (!read.ok()) {
      ended_ = read;
      buffer_.clear();
      return ended_;
    }
  }
  LEDGER_CHECK(!buffer_.empty()) << "the feed read no event up to a durable seq at "
                                 << next_seq_.load();
  std::optional<SubscribedEvent> event(std::move(buffer_.front()));
  buffer_.pop_front();
  // Exactly once and in order: the feed's Read checked the seqs; this is
  // where they are relied on.
  LEDGER_CHECK(event->event.header().seq() == next_seq_.load())
      << "subscription expected seq " << next_seq_.load() << ", got "
      << event->event.header().seq();
  next_seq_.fetch_add(1);
  return event;
}

void SubscriptionImpl::Cancel() {
  cancelled_.store(true);
  feed_->WakeAll();
}

uint64_t SubscriptionImpl::next_seq() const { return next_seq_.load(); }

}  // namespace ledger
