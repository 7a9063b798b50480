// A time as a person types it at the edge of the ledger: on ledgerctl's
// command line (--at, --as-of, --from, --to) and in the HTTP API's query
// parameters (at, from, to). One parser for both, so a date alone means the
// same instant wherever it is typed (docs/ledgerctl.md, "Times";
// docs/http.md).
#ifndef CREDIT_LEDGER_TOOLS_EDGE_TIME_ARGUMENT_H_
#define CREDIT_LEDGER_TOOLS_EDGE_TIME_ARGUMENT_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace ledger::edge {

// An RFC 3339 time ("2026-03-08T10:00:00Z", fractions and numeric offsets
// allowed) or a date alone ("2026-03-08"), which means its midnight UTC.
// Microseconds since the epoch; InvalidArgument naming both forms on
// anything else (a date that does not exist, such as 2026-02-30, too).
[[nodiscard]] absl::StatusOr<int64_t> ParseTimeArgument(std::string_view text);

}  // namespace ledger::edge

#endif  // CREDIT_LEDGER_TOOLS_EDGE_TIME_ARGUMENT_H_
