// The value of `--rejection-retention` (ledgerctl apply, ledgerd): how long
// the refusal journal keeps a rejected command (Options::rejection_retention).
#ifndef CREDIT_LEDGER_TOOLS_EDGE_RETENTION_H_
#define CREDIT_LEDGER_TOOLS_EDGE_RETENTION_H_

#include <chrono>
#include <string_view>

#include "absl/status/statusor.h"

namespace ledger::edge {

// "90d" (whole days), a duration absl::ParseDuration reads ("2160h",
// "36h30m"), or "off" / "0" for no journal. Whole seconds, up to 1000
// years. InvalidArgument, saying what is accepted, for anything else.
[[nodiscard]] absl::StatusOr<std::chrono::seconds> ParseRetention(
    std::string_view text);

}  // namespace ledger::edge

#endif  // CREDIT_LEDGER_TOOLS_EDGE_RETENTION_H_
