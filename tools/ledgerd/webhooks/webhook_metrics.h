// Prometheus metrics of webhook delivery, per endpoint (docs/service.md
// lists them): events delivered, failed attempts, how far the endpoint got,
// and the age of the oldest event it has not yet been sent successfully.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_WEBHOOK_METRICS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_WEBHOOK_METRICS_H_

#include <cstdint>
#include <optional>
#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
}  // namespace prometheus

namespace ledger::ledgerd {

// The metrics of one endpoint, labelled endpoint=NAME, and in a cluster
// partition=N too (each node counts what it sent of the partitions whose
// lease it held). Cheap to update (atomics); the registry must outlive it.
// Made again with the same labels, it continues the same series.
class EndpointMetrics {
 public:
  EndpointMetrics(prometheus::Registry& registry, const std::string& name,
                  std::optional<int> partition = std::nullopt);

  // ledgerd_webhook_delivered_total: events answered with a 2xx.
  void Delivered();
  // ledgerd_webhook_failed_attempts_total: POSTs answered otherwise or not
  // at all (each is retried).
  void FailedAttempt();
  // ledgerd_webhook_cursor: the seq of the last event handled (delivered,
  // or not wanted by the endpoint).
  void SetCursor(uint64_t seq);
  // ledgerd_webhook_oldest_undelivered_seconds: how long the oldest event
  // not yet handled has been in the ledger (0 when the endpoint is caught
  // up); see WebhookDelivery for how that time is known.
  void SetOldestUndeliveredAge(double seconds);

 private:
  prometheus::Counter* delivered_;
  prometheus::Counter* failed_;
  prometheus::Gauge* cursor_;
  prometheus::Gauge* oldest_age_;
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_WEBHOOK_METRICS_H_
