#include "tools/ledgerd/webhooks/webhook_delivery.h"

#include <algorithm>
#include <iostream>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "ledger/export.h"
#include "tools/ledgerd/webhooks/arrival_log.h"
#include "tools/ledgerd/webhooks/http_post.h"
#include "tools/ledgerd/webhooks/webhook_message.h"
#include "tools/ledgerd/webhooks/webhook_metrics.h"

namespace ledger::ledgerd {
namespace {

// How long a delivery thread waits for the next event before it looks at
// the stop flag again and stores progress over unwanted events.
constexpr absl::Duration kIdlePoll = absl::Milliseconds(200);
// Unwanted events passed over between two stores of the cursor: skipping
// needs no sync per event, and a crash repeats at most this much skipping
// (never a POST).
constexpr uint64_t kSkippedPerSave = 256;
// How often the clock thread samples the last seq and updates the ages.
constexpr absl::Duration kClockInterval = absl::Milliseconds(250);

void Say(const std::string& endpoint, const std::string& what) {
  std::cerr << "ledgerd: webhook " << endpoint << ": " << what << std::endl;
}

}  // namespace

struct WebhookDelivery::Endpoint {
  Endpoint(WebhookEndpoint c, prometheus::Registry& registry,
           std::optional<int> partition)
      : config(std::move(c)), metrics(registry, config.name, partition) {}
  const WebhookEndpoint config;
  EndpointMetrics metrics;
  std::unique_ptr<Subscription> subscription;
  HttpPoster poster;
  // The last event handled (delivered or passed over), read by the clock.
  std::atomic<uint64_t> handled{0};
  // The last cursor stored in the ledger; the endpoint's thread only.
  uint64_t saved = 0;
  // Whether the last save was refused for a full disk (said once).
  bool cursor_held_back = false;
};

absl::Duration BackoffAfter(int failures, const WebhookTiming& timing) {
  absl::Duration wait = timing.first_backoff;
  for (int i = 1; i < failures && wait < timing.max_backoff; ++i) wait *= 2;
  return std::min(wait, timing.max_backoff);
}

WebhookDelivery::WebhookDelivery(Ledger* ledger, WebhookTiming timing,
                                 DeliveryScope scope)
    : ledger_(ledger), timing_(timing), scope_(scope) {}

std::string WebhookDelivery::IdOf(const SubscribedEvent& event) const {
  return scope_.partition.has_value()
             ? PartitionWebhookId(*scope_.partition, event.hash)
             : WebhookId(event.hash);
}

absl::StatusOr<std::unique_ptr<WebhookDelivery>> WebhookDelivery::Start(
    Ledger* ledger, std::vector<WebhookEndpoint> endpoints,
    prometheus::Registry& registry, WebhookTiming timing,
    DeliveryScope scope) {
  std::unique_ptr<WebhookDelivery> d(
      new WebhookDelivery(ledger, timing, scope));
  for (WebhookEndpoint& config : endpoints) {
    auto e = std::make_unique<Endpoint>(std::move(config), registry,
                                        scope.partition);
    absl::StatusOr<uint64_t> cursor = ledger->DeliveryCursor(e->config.name);
    if (!cursor.ok()) return cursor.status();
    if (*cursor > ledger->LastSeq()) {
      // Only a ledger folder older than its cursors (restored from a copy)
      // gets here: delivering from the cursor would skip the events logged
      // anew up to it.
      return absl::FailedPreconditionError(absl::StrCat(
          "webhook ", e->config.name, ": its cursor is at seq ", *cursor,
          " but the log ends at seq ", ledger->LastSeq(),
          "; give the endpoint a new NAME to deliver from the first event"));
    }
    absl::StatusOr<std::unique_ptr<Subscription>> sub =
        ledger->Subscribe(*cursor + 1);
    if (!sub.ok()) return sub.status();
    e->subscription = *std::move(sub);
    e->handled.store(*cursor);
    e->saved = *cursor;
    e->metrics.SetCursor(*cursor);
    d->endpoints_.push_back(std::move(e));
  }
  for (auto& e : d->endpoints_) {
    d->threads_.emplace_back([d = d.get(), e = e.get()] {
      d->RunEndpoint(*e);
      if (!d->stop_.HasBeenNotified()) d->endpoint_ended_.store(true);
    });
  }
  d->threads_.emplace_back([d = d.get()] { d->RunClock(); });
  return d;
}

void WebhookDelivery::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  for (auto& e : endpoints_) e->subscription->Cancel();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  if (scope_.partition.has_value()) {
    for (auto& e : endpoints_) e->metrics.SetOldestUndeliveredAge(0);
  }
}

WebhookDelivery::~WebhookDelivery() { Stop(); }

void WebhookDelivery::RunEndpoint(Endpoint& e) {
  while (!stop_.HasBeenNotified()) {
    absl::StatusOr<std::optional<SubscribedEvent>> next =
        e.subscription->NextStored(absl::Now() + kIdlePoll);
    if (!next.ok()) {
      if (!absl::IsCancelled(next.status())) {
        Say(e.config.name, absl::StrCat("delivery stopped: ",
                                        next.status().ToString()));
      }
      break;
    }
    const uint64_t handled = e.handled.load();
    if (!next->has_value()) {
      // Idle: store how far passing over unwanted events got.
      if (handled != e.saved && !SaveCursor(e, handled)) return;
      continue;
    }
    const SubscribedEvent& event = **next;
    const uint64_t seq = event.event.header().seq();
    std::string body = ExportEvent(event.log_event(), ExportFormat::kJsonl);
    if (!body.empty() && body.back() == '\n') body.pop_back();
    if (!WantsEvent(e.config.kinds, body)) {
      e.handled.store(seq);
      e.metrics.SetCursor(seq);
      if (seq - e.saved >= kSkippedPerSave && !SaveCursor(e, seq)) return;
      continue;
    }
    if (!Deliver(e, body, IdOf(event), seq)) break;
    e.handled.store(seq);
    e.metrics.SetCursor(seq);
    if (!SaveCursor(e, seq)) return;
  }
  // Stopping: the ledger is still open (Stop comes before its Close).
  const uint64_t handled = e.handled.load();
  if (handled != e.saved) SaveCursor(e, handled);
}

bool WebhookDelivery::Deliver(Endpoint& e, const std::string& body,
                              const std::string& id, uint64_t seq) {
  // In a cluster a POST is also abandoned when this node may no longer
  // send (its lease ran out): the next holder sends the event again.
  const std::function<bool()> stopping = [this] {
    return stop_.HasBeenNotified() || !MaySend();
  };
  for (int failures = 0;;) {
    if (!MaySend()) {
      // Not this node's turn: no attempt, no failure counted; whoever
      // owns this delivery stops it, or the gate opens again.
      if (stop_.WaitForNotificationWithTimeout(kIdlePoll)) return false;
      continue;
    }
    // Signed again on every attempt: receivers refuse an old timestamp
    // (Standard Webhooks suggests 5 minutes), and a retry may come later.
    const int64_t timestamp = absl::ToUnixSeconds(absl::Now());
    std::vector<std::string> headers = {
        "content-type: application/json",
        absl::StrCat("webhook-id: ", id),
        absl::StrCat("webhook-timestamp: ", timestamp),
        absl::StrCat("webhook-signature: ",
                     WebhookSignature(e.config.signing_key, id, timestamp,
                                      body))};
    if (scope_.partition.has_value()) {
      // seq counts within a partition: the receiver needs both.
      headers.push_back(absl::StrCat("ledger-partition: ", *scope_.partition));
    }
    absl::StatusOr<int> answer =
        e.poster.Post(e.config.url, headers, body, timing_.post_timeout,
                      stopping);
    if (stop_.HasBeenNotified()) return false;
    if (!answer.ok() && absl::IsCancelled(answer.status())) continue;  // gate
    if (answer.ok() && *answer >= 200 && *answer <= 299) {
      e.metrics.Delivered();
      return true;
    }
    ++failures;
    e.metrics.FailedAttempt();
    const absl::Duration wait = BackoffAfter(failures, timing_);
    Say(e.config.name,
        absl::StrCat("seq ", seq, " attempt ", failures, ": ",
                     answer.ok() ? absl::StrCat("HTTP ", *answer)
                                 : std::string(answer.status().message()),
                     "; again in ", absl::FormatDuration(wait)));
    if (stop_.WaitForNotificationWithTimeout(wait)) return false;
  }
}

bool WebhookDelivery::SaveCursor(Endpoint& e, uint64_t seq) {
  absl::Status saved = ledger_->SetDeliveryCursor(e.config.name, seq);
  if (IsDiskFull(saved)) {
    // Delivery goes on while the disk is full: the stored cursor stays
    // behind, so a crash now repeats more, never skips (at least once), and
    // the next save after space returns catches up.
    if (!e.cursor_held_back) {
      Say(e.config.name, absl::StrCat("the cursor stays at seq ", e.saved,
                                      " while the disk is full: ",
                                      saved.message()));
    }
    e.cursor_held_back = true;
    // The other nodes of a cluster still learn how far it got.
    return scope_.gate == nullptr ||
           scope_.gate->CursorStored(e.config.name, seq);
  }
  e.cursor_held_back = false;
  if (!saved.ok()) {
    Say(e.config.name, absl::StrCat("cannot store the cursor at seq ", seq,
                                    ", delivery stopped: ", saved.ToString()));
    return false;
  }
  e.saved = seq;
  // In a cluster the other nodes learn it before the next POST, so a node
  // taking over repeats at most the event in flight.
  return scope_.gate == nullptr ||
         scope_.gate->CursorStored(e.config.name, seq);
}

void WebhookDelivery::RunClock() {
  ArrivalLog arrivals;
  do {
    const absl::Time now = absl::Now();
    arrivals.Record(ledger_->LastSeq(), now);
    uint64_t min_handled = std::numeric_limits<uint64_t>::max();
    for (const auto& e : endpoints_) {
      const uint64_t handled = e->handled.load();
      min_handled = std::min(min_handled, handled);
      e->metrics.SetOldestUndeliveredAge(
          absl::ToDoubleSeconds(arrivals.AgeAfter(handled, now)));
    }
    arrivals.Forget(min_handled);
  } while (!stop_.WaitForNotificationWithTimeout(kClockInterval));
}

}  // namespace ledger::ledgerd
