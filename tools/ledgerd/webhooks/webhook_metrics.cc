#include "tools/ledgerd/webhooks/webhook_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <map>

namespace ledger::ledgerd {

// BuildX().Name(n).Register(registry) returns the family already
// registered under n when there is one (prometheus-cpp merges families of
// the same name and help), so every endpoint adds its label to the same
// four families.
EndpointMetrics::EndpointMetrics(prometheus::Registry& registry,
                                 const std::string& name,
                                 std::optional<int> partition) {
  std::map<std::string, std::string> labels = {{"endpoint", name}};
  if (partition.has_value()) {
    labels["partition"] = std::to_string(*partition);
  }
  delivered_ = &prometheus::BuildCounter()
                    .Name("ledgerd_webhook_delivered_total")
                    .Help("Events delivered to a webhook endpoint (a 2xx answer)")
                    .Register(registry)
                    .Add(labels);
  failed_ = &prometheus::BuildCounter()
                 .Name("ledgerd_webhook_failed_attempts_total")
                 .Help("POSTs to a webhook endpoint answered with other than "
                       "2xx, or not within 10 s; each is retried")
                 .Register(registry)
                 .Add(labels);
  cursor_ = &prometheus::BuildGauge()
                 .Name("ledgerd_webhook_cursor")
                 .Help("Seq of the last event a webhook endpoint has handled "
                       "(delivered, or not of its KINDS)")
                 .Register(registry)
                 .Add(labels);
  oldest_age_ = &prometheus::BuildGauge()
                     .Name("ledgerd_webhook_oldest_undelivered_seconds")
                     .Help("Age of the oldest event a webhook endpoint has "
                           "not been delivered yet; 0 when caught up")
                     .Register(registry)
                     .Add(labels);
}

void EndpointMetrics::Delivered() { delivered_->Increment(); }
void EndpointMetrics::FailedAttempt() { failed_->Increment(); }
void EndpointMetrics::SetCursor(uint64_t seq) {
  cursor_->Set(static_cast<double>(seq));
}
void EndpointMetrics::SetOldestUndeliveredAge(double seconds) {
  oldest_age_->Set(seconds);
}

}  // namespace ledger::ledgerd
