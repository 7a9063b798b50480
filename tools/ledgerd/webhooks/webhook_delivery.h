// Delivering the ledger's events to webhook endpoints (docs/contract.md
// section 13, docs/webhooks.md): one thread per endpoint follows the log
// with its own subscription from the endpoint's stored cursor, POSTs each
// event the endpoint wants as its export JSON object, signed, retries one
// event until a 2xx answer with a backoff doubling from 1 s to 5 minutes,
// and then stores the cursor in the ledger (synced) before the next event.
// So each endpoint gets every event it wants in log order, at least once;
// a crash repeats at most the one event that was in flight; and a slow or
// dead endpoint holds back only its own thread.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_WEBHOOK_DELIVERY_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_WEBHOOK_DELIVERY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "ledger/ledger.h"
#include "tools/ledgerd/webhooks/delivery_gate.h"
#include "tools/ledgerd/webhooks/webhook_config.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace ledger::ledgerd {

// The retry schedule and the time one POST may take (docs/contract.md
// section 13). Fixed in ledgerd; a struct so tests of the loop's parts can
// name them.
struct WebhookTiming {
  absl::Duration first_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(5);
  absl::Duration post_timeout = absl::Seconds(10);
};

// The wait after the `failures`-th failed attempt at one event (1: the
// first): first_backoff doubled failures - 1 times, at most max_backoff.
absl::Duration BackoffAfter(int failures, const WebhookTiming& timing);

class WebhookDelivery {
 public:
  // Reads each endpoint's cursor and starts its thread, plus one that
  // samples the ledger's last seq for the age metric. Errors of the ledger
  // (reading a cursor, subscribing) are returned and nothing is started;
  // FailedPrecondition for a cursor past the end of the log (a ledger
  // folder older than its cursors), which delivery would otherwise skip.
  // In a cluster `scope` names the partition and its gate: no POST starts
  // while the gate says no, one in flight is abandoned when it turns to no,
  // and each stored cursor is passed to it (DeliveryGate).
  // REQUIRES: InitHttpClient() was called; `ledger`, `registry` and the
  // scope's gate outlive the delivery (call Stop before closing the
  // ledger).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<WebhookDelivery>> Start(
      Ledger* ledger, std::vector<WebhookEndpoint> endpoints,
      prometheus::Registry& registry, WebhookTiming timing = WebhookTiming(),
      DeliveryScope scope = DeliveryScope());

  // Stops every thread: a POST in flight is abandoned (its event is sent
  // again after a restart), progress over events an endpoint does not want
  // is stored, and the threads are joined. Idempotent; the destructor
  // calls it. In a cluster the age metric then reads 0: the node that
  // sends the partition next reports it.
  void Stop();
  ~WebhookDelivery();

  // Whether an endpoint's thread ended without Stop: the ledger refused
  // (said on stderr) or the gate did. A cluster node then hands the
  // partition to another node.
  bool EndpointEnded() const { return endpoint_ended_.load(); }

 private:
  struct Endpoint;
  WebhookDelivery(Ledger* ledger, WebhookTiming timing, DeliveryScope scope);
  std::string IdOf(const SubscribedEvent& event) const;
  bool MaySend() const {
    return scope_.gate == nullptr || scope_.gate->MaySend();
  }
  void RunEndpoint(Endpoint& e);
  // POSTs one event until it is delivered; false when stopped first.
  bool Deliver(Endpoint& e, const std::string& body, const std::string& id,
               uint64_t seq);
  // Stores the endpoint's cursor; false (after saying why on stderr) when
  // the ledger refused, which ends the endpoint's thread.
  bool SaveCursor(Endpoint& e, uint64_t seq);
  void RunClock();

  Ledger* const ledger_;
  const WebhookTiming timing_;
  const DeliveryScope scope_;
  absl::Notification stop_;
  std::atomic<bool> endpoint_ended_{false};
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::vector<std::thread> threads_;
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_WEBHOOK_DELIVERY_H_
