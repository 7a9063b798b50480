// The web console (docs/console.md): static HTML, CSS and JavaScript that
// the build compiles into ledgerd, served under /console/. The console talks
// to the JSON API of docs/contract.md section 14 from the browser; the
// server only hands out these bytes.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CONSOLE_CONSOLE_ASSETS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CONSOLE_CONSOLE_ASSETS_H_

#include <span>
#include <string_view>

namespace ledger::console {

// One file of the console. The views point into the binary's read-only
// data: valid for the life of the process.
struct ConsoleAsset {
  std::string_view path;          // the URL path, e.g. "/console/app.js"
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view bytes;         // the file's bytes, exactly as in the tree
};

// The URL prefix the console lives under; "/console/" itself is index.html.
inline constexpr std::string_view kConsolePrefix = "/console/";

// The asset served at `path` (a URL path without query or fragment), or
// nullptr when there is none: the caller answers 404. "/console/" gives
// index.html. Paths are matched exactly: no "..", no case folding, no
// percent-decoding, so nothing outside the embedded set can be named.
const ConsoleAsset* FindConsoleAsset(std::string_view path);

// Every embedded asset, index.html under its own name "/console/index.html"
// (for tests, and for a server that wants to list or preload them).
std::span<const ConsoleAsset> AllConsoleAssets();

// Headers a server should send with every console asset: the console loads
// nothing from another host and runs no inline script, so a strict policy
// costs nothing and keeps an injected string from ever running.
inline constexpr std::string_view kConsoleContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'";

}  // namespace ledger::console

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CONSOLE_CONSOLE_ASSETS_H_
