// The paths of the HTTP API (docs/http.md, docs/contract.md section 14),
// one Route each: method, path pattern, the role it needs, and a handler
// that answers JSON or an absl::Status the server turns into the error
// object. Adding a path is one more entry in Routes() (routes.cc) and its
// handler; the server (http_api.cc) does the tokens, the in-flight bound,
// the drain and the metrics for every route alike.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_ROUTES_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_ROUTES_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/edge/future_guard.h"
#include "tools/edge/past_guard.h"
#include "tools/ledgerd/http/backend.h"
#include "tools/ledgerd/tokens.h"

namespace ledger::http {

// What a handler sees of a request: no HTTP library type.
struct Request {
  std::vector<std::string> path_params;  // the pattern's groups, in order
  std::map<std::string, std::string> query;  // first value of each name
  std::string_view body;
  ledgerd::Caller caller;
  absl::Time deadline;  // for a wait on a cluster partition

  std::optional<std::string> Query(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
};

// What the handlers share.
struct RouteContext {
  Backend* backend = nullptr;
  const edge::FutureGuard* future_guard = nullptr;  // null: none
  const edge::PastGuard* past_guard = nullptr;      // null: none
};

struct Route {
  std::string method;   // "GET" or "POST"
  std::string pattern;  // a regular expression over the path
  std::string name;     // the metrics label: the path as documented
  ledgerd::Role role;   // the least role that may call it
  std::function<absl::StatusOr<std::string>(const RouteContext&,
                                            const Request&)>
      handler;
};

// Every path of the API. The customer-events path goes here, beside the
// balance.
std::vector<Route> Routes();

// Most commands in one POST /v1/commands (docs/contract.md section 14),
// and the most bytes its body may hold: 10 000 commands of about 1.6 KiB.
inline constexpr size_t kMaxCommandsPerPost = 10000;
inline constexpr size_t kMaxBodyBytes = size_t{16} << 20;

}  // namespace ledger::http

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_ROUTES_H_
