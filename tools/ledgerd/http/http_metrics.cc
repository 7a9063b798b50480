#include "tools/ledgerd/http/http_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace ledger::http {

HttpMetrics::HttpMetrics(prometheus::Registry& registry)
    : requests_(&prometheus::BuildCounter()
                     .Name("ledgerd_http_requests_total")
                     .Help("HTTP API requests answered, by path and status")
                     .Register(registry)),
      seconds_(&prometheus::BuildHistogram()
                    .Name("ledgerd_http_request_seconds")
                    .Help("HTTP API requests: start to answer, by path")
                    .Register(registry)) {}

void HttpMetrics::Observe(std::string_view path, int status, double seconds) {
  const std::string label(path);
  requests_->Add({{"path", label}, {"status", std::to_string(status)}})
      .Increment();
  // From 100 us (a cached balance) to 10 s (a liability report of a large
  // log, or a body of 10 000 commands on a busy disk).
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10};
  seconds_->Add({{"path", label}}, kBuckets).Observe(seconds);
}

}  // namespace ledger::http
