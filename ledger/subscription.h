// A catch-up subscription to the ledger's log, for consumers downstream of
// the ledger (low-balance alerts, credits about to expire, exports): from a
// sequence number on, every event in seq order, then each new event as soon
// as it is durable, each exactly once, with no gaps.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<ledger::Subscription> sub,
//                    db->Subscribe(last_seen_seq + 1));
//   for (;;) {
//     ASSIGN_OR_RETURN(std::optional<ledger::v1::Event> event,
//                      sub->Next(absl::Now() + absl::Seconds(1)));
//     if (!event.has_value()) continue;      // nothing new within a second
//     Handle(*event);
//     last_seen_seq = event->header().seq();
//   }
//
// How it works, and why a slow consumer never slows the ledger: the writer
// only publishes the seq of its last durable group (a counter under a small
// mutex) and signals; the subscription reads the events itself from the
// store, in bounded chunks, outside every lock the writer takes. An event is
// readable before its seq is published, so a subscription never sees an
// event that is not durable, and never skips one.
#ifndef CREDIT_LEDGER_LEDGER_SUBSCRIPTION_H_
#define CREDIT_LEDGER_LEDGER_SUBSCRIPTION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/log_reader.h"
#include "ledger/v1/event.pb.h"

namespace ledger {

// Most events one subscription reads from the store at a time (its memory
// bound), and so the most events it holds that it has not yet handed out.
inline constexpr uint64_t kSubscriptionChunkEvents = 256;

// An event with its exact stored bytes and chained hash: what a consumer
// needs to forward the event as `ledgerctl export` shows it (ExportEvent,
// export.h, takes log_event()).
struct SubscribedEvent {
  v1::Event event;    // as Next returns it: the whole event
  std::string hash;   // SHA-256(prev_hash || bytes), 32 bytes
  std::string bytes;  // the serialized event exactly as stored
  // A view of this event; valid while this object lives unchanged.
  LogEvent log_event() const {
    LogEvent e;
    e.seq = event.header().seq();
    e.hash = hash;
    e.bytes = bytes;
    e.event = &event;
    return e;
  }
};

// Made by Ledger::Subscribe. One consumer thread calls Next; any thread may
// call Cancel. The subscription may outlive its Ledger: once the ledger is
// closed, Next answers Aborted.
class Subscription {
 public:
  virtual ~Subscription() = default;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // The next event, the one whose seq is next_seq(), as soon as it is
  // durable. Waits for it until `deadline` (absl::InfiniteFuture() waits
  // for ever) and then returns std::nullopt; a deadline in the past only
  // returns what is already durable.
  // Errors end the subscription (every later call returns the same one):
  // Cancelled after Cancel(); Aborted once the ledger is closed; the
  // ledger's own error after one of its writes failed (resume from
  // next_seq() after reopening it); DataLoss when a stored event does not
  // parse or the log has a gap.
  // REQUIRES: not called from two threads at once.
  [[nodiscard]] virtual absl::StatusOr<std::optional<v1::Event>> Next(
      absl::Time deadline) = 0;

  // Next, with the event's stored bytes and hash (SubscribedEvent). The
  // two may be mixed on one subscription: each hands out the next event.
  // REQUIRES: as Next.
  [[nodiscard]] virtual absl::StatusOr<std::optional<SubscribedEvent>>
  NextStored(absl::Time deadline) = 0;

  // Ends the subscription: a Next blocked now, and every later one, returns
  // Cancelled. Idempotent; safe from any thread, also during Next.
  virtual void Cancel() = 0;

  // The seq of the event the next successful Next returns.
  virtual uint64_t next_seq() const = 0;

 protected:
  Subscription() = default;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_SUBSCRIPTION_H_
