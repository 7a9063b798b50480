// The HTTP API's Prometheus metrics, in ledgerd's registry (docs/http.md):
// ledgerd_http_requests_total{path, status} for every answer (path as
// documented, e.g. /v1/customers/{id}/balance, or "other"), and
// ledgerd_http_request_seconds{path} from the request's start to its
// answer.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_HTTP_METRICS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_HTTP_METRICS_H_

#include <string_view>

namespace prometheus {
class Counter;
class Histogram;
class Registry;
template <typename T> class Family;
}  // namespace prometheus

namespace ledger::http {

class HttpMetrics {
 public:
  explicit HttpMetrics(prometheus::Registry& registry);
  void Observe(std::string_view path, int status, double seconds);

 private:
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* seconds_;
};

}  // namespace ledger::http

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_HTTP_METRICS_H_
