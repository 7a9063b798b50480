#include "tools/edge/retention.h"

#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace ledger::edge {

absl::StatusOr<std::chrono::seconds> ParseRetention(std::string_view text) {
  constexpr int64_t kMaxSeconds = int64_t{1000} * 366 * 24 * 3600;
  const std::string value(text);
  if (value == "off" || value == "0") return std::chrono::seconds(0);
  int64_t seconds = -1;
  int64_t days = 0;
  absl::Duration duration;
  if (value.size() > 1 && value.back() == 'd' &&
      absl::SimpleAtoi(value.substr(0, value.size() - 1), &days) && days >= 0 &&
      days <= kMaxSeconds / 86400) {
    seconds = days * 86400;
  } else if (absl::ParseDuration(value, &duration) &&
             duration >= absl::ZeroDuration() &&
             duration <= absl::Seconds(kMaxSeconds)) {
    seconds = absl::ToInt64Seconds(duration);
  }
  if (seconds < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--rejection-retention takes whole days (90d), a duration (2160h, "
        "36h30m) up to 1000 years, or off; got '", value, "'"));
  }
  return std::chrono::seconds(seconds);
}

}  // namespace ledger::edge
