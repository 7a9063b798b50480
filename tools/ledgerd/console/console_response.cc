#include "tools/ledgerd/console/console_response.h"

#include "tools/ledgerd/console/console_assets.h"

namespace ledger::console {

bool IsConsolePath(std::string_view path) {
  return path == "/console" || path.starts_with(kConsolePrefix);
}

ConsoleResponse AnswerConsoleRequest(std::string_view path) {
  ConsoleResponse response;
  response.headers = {{
      {"Content-Security-Policy", kConsoleContentSecurityPolicy},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-cache"},
  }};
  if (path == "/console") {
    response.status = 301;
    response.location = kConsolePrefix;
    response.content_type = "text/plain; charset=utf-8";
    response.body = "the console is at /console/\n";
    return response;
  }
  if (const ConsoleAsset* asset = FindConsoleAsset(path)) {
    response.status = 200;
    response.content_type = asset->content_type;
    response.body = asset->bytes;
    return response;
  }
  response.status = 404;
  response.content_type = "text/plain; charset=utf-8";
  response.body = "no such file in the console\n";
  return response;
}

}  // namespace ledger::console
