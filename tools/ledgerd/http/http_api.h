// ledgerd --http ADDR (docs/http.md, docs/contract.md section 14): the JSON
// API over HTTP/1.1, served by cpp-httplib (docs/dependencies.md says why)
// beside the gRPC service, with its tokens and roles, its TLS files, its
// in-flight bound (one bound for both: LedgerServiceImpl's slots), its
// drain, and metrics in its Prometheus registry.
//
// Each request is admitted in the gRPC service's order, so a refusal is as
// predictable: draining (503), token (401), role (403), in-flight bound
// (429), then the arguments (400, 404, 413).
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_HTTP_API_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_HTTP_API_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/ledgerd/http/routes.h"
#include "tools/ledgerd/metrics.h"
#include "tools/ledgerd/service_impl.h"
#include "tools/ledgerd/tokens.h"

namespace ledger::http {

// How long a client may take to send a request (headers and body) before
// its connection is dropped: a slow or half-sent request holds one of the
// server's threads that long, never the others.
inline constexpr absl::Duration kReadTimeout = absl::Seconds(5);

struct HttpConfig {
  std::string address;                   // HOST:PORT, port 0 picks one
  std::optional<std::string> tls_cert;   // PEM chain: HTTPS when given
  std::optional<std::string> tls_key;    // PEM key
};

class HttpApi {
 public:
  // Listens on config.address and serves on threads of its own. Fails
  // with Unavailable when it cannot listen, InvalidArgument for a bad
  // address or TLS files the library refuses. REQUIRES: everything
  // pointed to outlives the HttpApi.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpApi>> Start(
      const HttpConfig& config, RouteContext context,
      const ledgerd::TokenTable* tokens, ledgerd::Metrics* metrics,
      ledgerd::LedgerServiceImpl* service);
  // Stops as Stop does.
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // HOST:PORT with the port bound.
  const std::string& listening_on() const { return listening_on_; }

  // From now on new requests get 503; those admitted go on.
  void BeginShutdown();
  // Waits (at most `deadline`) for the admitted requests to be answered,
  // then closes the listener and joins the server's threads.
  void Stop(absl::Duration deadline = absl::Seconds(30));

 private:
  class Server;
  HttpApi() = default;
  std::unique_ptr<Server> server_;
  std::string listening_on_;
};

}  // namespace ledger::http

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_HTTP_API_H_
