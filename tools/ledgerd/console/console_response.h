// What ledgerd's HTTP server answers for a path under /console: the whole
// decision in one place, free of any HTTP library, so wiring the console
// into a server is one route that copies these fields into its response.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CONSOLE_CONSOLE_RESPONSE_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CONSOLE_CONSOLE_RESPONSE_H_

#include <array>
#include <string_view>
#include <utility>

namespace ledger::console {

struct ConsoleResponse {
  int status = 404;               // 200, 301 or 404
  std::string_view content_type;  // of `body`
  std::string_view body;          // the asset's bytes, or a short text
  std::string_view location;      // for 301: where to go
  // Sent with every answer, whatever the status: the console's policy
  // (nothing from another host, no inline script), no content sniffing,
  // no referrer leaving the page, and revalidation (the files change with
  // the binary, not with their URL).
  std::array<std::pair<std::string_view, std::string_view>, 4> headers;
};

// The answer to a GET or HEAD of `path` (the URL path, no query): the asset
// (FindConsoleAsset), a redirect from "/console" to "/console/" (the page's
// relative links need the slash), or 404. The console needs no token: it
// holds no data, and every call it makes carries the token typed into it.
ConsoleResponse AnswerConsoleRequest(std::string_view path);

// True for the paths AnswerConsoleRequest is for: "/console" and
// everything under "/console/".
bool IsConsolePath(std::string_view path);

}  // namespace ledger::console

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CONSOLE_CONSOLE_RESPONSE_H_
