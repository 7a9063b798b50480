// A time as a person types it (tools/edge/time_argument.h).
#include "tools/edge/time_argument.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/time_util.h"

namespace ledger::edge {

absl::StatusOr<int64_t> ParseTimeArgument(std::string_view text) {
  // A date alone is what a person types for a day, a month or a period's
  // bounds; with from/to meaning [from, to), `--from 2026-03-08 --to
  // 2026-03-09` is that day exactly. It is spelled out as its midnight and
  // checked to format back to itself, because absl normalizes an
  // impossible day (2026-02-30 would be 2 March).
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    const std::string midnight = std::string(text) + "T00:00:00Z";
    absl::StatusOr<int64_t> us = ParseTimeUs(midnight);
    if (us.ok() && FormatTimeUs(*us) == midnight) return us;
    return absl::InvalidArgumentError(absl::StrCat(
        "'", std::string(text), "' is not a date (YYYY-MM-DD) from 1970 to 9999"));
  }
  absl::StatusOr<int64_t> us = ParseTimeUs(text);
  if (us.ok()) return us;
  return absl::InvalidArgumentError(absl::StrCat(
      us.status().message(),
      "; give an RFC 3339 time (2026-03-08T10:00:00Z) or a date alone "
      "(2026-03-08, its midnight UTC)"));
}

}  // namespace ledger::edge
