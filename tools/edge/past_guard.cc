#include "tools/edge/past_guard.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/time_util.h"
#include "tools/edge/future_guard.h"

namespace ledger::edge {

absl::StatusOr<std::optional<absl::Duration>> ParseMaxPast(std::string_view text) {
  return ParseGuardDuration("--max-past", text);
}

PastGuard::PastGuard(absl::Duration max_behind, std::function<absl::Time()> now)
    : max_behind_(max_behind), now_(std::move(now)) {}

absl::Status PastGuard::CheckAt(int64_t at_us) const {
  const absl::Time now = now_();
  const absl::Time at = absl::FromUnixMicros(at_us);
  if (now - at <= max_behind_) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "at ", FormatTimeUs(at_us), " is ",
      absl::FormatDuration(absl::Trunc(now - at, absl::Minutes(1))),
      " before this machine's clock (", FormatTimeUs(absl::ToUnixMicros(now)),
      "), more than the ", absl::FormatDuration(max_behind_),
      " allowed by --max-past; the command was not sent to the ledger. "
      "Send it with a current `at` (or none), or raise the limit with "
      "--max-past DURATION"));
}

absl::Status PastGuard::CheckJson(std::string_view json) const {
  const std::optional<int64_t> at_us = ReadableAtUs(json);
  return at_us.has_value() ? CheckAt(*at_us) : absl::OkStatus();
}

}  // namespace ledger::edge
