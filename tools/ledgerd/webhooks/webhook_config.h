// The endpoints of `ledgerd --webhooks FILE` (docs/contract.md section 13,
// docs/webhooks.md): each line of FILE is `NAME URL SECRET [KINDS]`.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_WEBHOOK_CONFIG_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_WEBHOOK_CONFIG_H_

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ledger::ledgerd {

// A SECRET shorter than this is refused: a short shared secret is one an
// attacker can guess, and Standard Webhooks' own secrets are longer.
inline constexpr size_t kMinWebhookSecretChars = 24;
// Endpoints one file may name: each gets a thread and a subscription.
inline constexpr size_t kMaxWebhookEndpoints = 64;

// The KINDS entries that are not command kinds: events carrying `alerts`
// (a non-empty list) or `top_up` in their exported JSON (SPEC section 12).
inline constexpr char kKindAlerts[] = "alerts";
inline constexpr char kKindTopUp[] = "top_up";

struct WebhookEndpoint {
  std::string name;        // [A-Za-z0-9._:-], 1..64: its cursor and metrics
  std::string url;         // http:// or https://
  std::string signing_key; // the HMAC key: SECRET's bytes, or the decoded
                           // base64 after `whsec_`
  // What it wants: command kinds ("use", ...), kKindAlerts, kKindTopUp.
  // Empty: every event.
  std::set<std::string> kinds;
};

// Parses the text of a webhooks file; `source` names it in messages.
// A `#` at the start of a line or after a space or tab starts a comment
// (so one inside a word, e.g. a SECRET, is kept); blank lines are skipped.
// InvalidArgument naming the line of the first problem: a wrong number of
// words, a bad or repeated NAME, a URL that is not http(s), a SECRET under
// kMinWebhookSecretChars characters or a `whsec_` one that is not base64,
// an unknown KINDS entry; and for more than kMaxWebhookEndpoints lines.
[[nodiscard]] absl::StatusOr<std::vector<WebhookEndpoint>> ParseWebhooks(
    std::string_view text, std::string_view source);

// Reads and parses FILE. NotFound when it cannot be read; else as
// ParseWebhooks. A file with no endpoint is InvalidArgument.
[[nodiscard]] absl::StatusOr<std::vector<WebhookEndpoint>> LoadWebhooks(
    const std::string& path);

// The HMAC key a SECRET stands for (docs/contract.md section 13): its
// bytes, except that `whsec_` + base64 means the decoded bytes.
// InvalidArgument for a `whsec_` secret whose rest is not base64 or empty.
[[nodiscard]] absl::StatusOr<std::string> SigningKeyOf(std::string_view secret);

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_WEBHOOK_CONFIG_H_
