#include "ledger/write_path/commit_feed.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/base/sha256.h"
#include "ledger/storage/storage_layout.h"

namespace ledger {

CommitFeed::CommitFeed(const Store* store, uint64_t durable_seq)
    : durable_seq_(durable_seq), store_(store) {}

void CommitFeed::Publish(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  LEDGER_CHECK(seq >= durable_seq_) << "durable seq went back from " << durable_seq_ << " to " << seq;
  durable_seq_ = seq;
  cv_.SignalAll();
}

void CommitFeed::End(absl::Status status) {
  LEDGER_CHECK(!status.ok()) << "a feed ends with an error, not OK";
  absl::MutexLock lock(&mu_);
  if (ended_.ok()) ended_ = std::move(status);
  cv_.SignalAll();
}

void CommitFeed::DetachStore() {
  End(absl::AbortedError("the ledger was closed"));
  absl::MutexLock lock(&store_mu_);
  store_ = nullptr;
}

void CommitFeed::WakeAll() {
  absl::MutexLock lock(&mu_);
  cv_.SignalAll();
}

absl::StatusOr<uint64_t> CommitFeed::WaitFor(
    uint64_t seq, const std::atomic<bool>& cancelled, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  bool timed_out = false;
  for (;;) {
    // Cancel sets the flag before it takes mu_ to wake us, and we check it
    // under mu_ before sleeping, so a Cancel is never missed.
    if (cancelled.load()) {
      return absl::CancelledError("the subscription was cancelled");
    }
    if (!ended_.ok()) return ended_;
    if (durable_seq_ >= seq || timed_out) return durable_seq_;
    ++waiting_readers_;
    timed_out = cv_.WaitWithDeadline(&mu_, deadline);
    --waiting_readers_;
  }
}

size_t CommitFeed::WaitingReadersForTest() const {
  absl::MutexLock lock(&mu_);
  return waiting_readers_;
}

absl::Status CommitFeed::Read(uint64_t from, uint64_t to,
                              std::deque<SubscribedEvent>* out) const {
  LEDGER_CHECK(from >= 1 && from <= to) << "feed read of seqs " << from << ".." << to;
  absl::ReaderMutexLock lock(&store_mu_);
  if (store_ == nullptr) return absl::AbortedError("the ledger was closed");
  uint64_t expected = from;
  StoredEventDecoder decoder(*store_);
  absl::Status scanned = store_->ForEachEvent(
      from, [&](std::string_view key, std::string_view value) -> absl::Status {
        absl::StatusOr<v1::Event> event = decoder.Next(key, value);
        if (!event.ok()) return event.status();
        if (event->header().seq() != expected) {
          return absl::DataLossError(
              absl::StrCat("the log has a gap: expected seq ", expected,
                           ", found ", event->header().seq()));
        }
        SubscribedEvent& stored = out->emplace_back();
        stored.event = std::move(*event);
        stored.hash = std::string(value.substr(0, kHashBytes));
        stored.bytes = std::string(value.substr(kHashBytes));
        ++expected;
        // Not an error: the chunk is complete (told apart below).
        return expected > to ? absl::CancelledError() : absl::OkStatus();
      });
  if (!scanned.ok() && !absl::IsCancelled(scanned)) return scanned;
  if (expected <= to) {
    // Published as durable, yet not in the store: the invariant the whole
    // subscription rests on is broken.
    return absl::DataLossError(absl::StrCat("seq ", to,
                                            " is durable but the log ends at ",
                                            expected - 1));
  }
  return absl::OkStatus();
}

}  // namespace ledger
