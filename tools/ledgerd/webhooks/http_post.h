// One HTTP POST to a webhook endpoint, through libcurl (Debian's
// libcurl4-openssl-dev: docs/dependencies.md says why not a hand-written
// client). One HttpPoster per delivery thread: a curl easy handle is not
// shared between threads, and it keeps the connection to its endpoint
// alive between POSTs.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_HTTP_POST_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_HTTP_POST_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ledger::ledgerd {

// Once per process, before any thread starts an HttpPoster (libcurl's
// global setup is not thread-safe). InvalidArgument when libcurl cannot
// start.
[[nodiscard]] absl::Status InitHttpClient();

class HttpPoster {
 public:
  HttpPoster();
  ~HttpPoster();
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  // POSTs `body` with `headers` ("name: value") to `url` and returns the
  // answer's HTTP status, whatever it is (redirects are not followed).
  // Errors when no answer came: DeadlineExceeded after `timeout` (the
  // whole exchange), Unavailable when the connection failed or broke,
  // Cancelled when `cancelled` answered true (asked about once a second
  // and while connecting). The answer's body is read and dropped.
  [[nodiscard]] absl::StatusOr<int> Post(
      const std::string& url, const std::vector<std::string>& headers,
      std::string_view body, absl::Duration timeout,
      const std::function<bool()>& cancelled);

 private:
  void* curl_;  // CURL*, kept out of this header
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_HTTP_POST_H_
