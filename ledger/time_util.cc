#include "ledger/time_util.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace ledger {

absl::StatusOr<int64_t> ParseTimeUs(std::string_view rfc3339) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(rfc3339), &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", std::string(rfc3339), "' is not an RFC 3339 time: ", err));
  }
  if (t < absl::FromUnixMicros(kMinTimeUs) ||
      t > absl::FromUnixMicros(kMaxTimeUs)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", std::string(rfc3339), "' is outside 1970-01-01T00:00:00Z..9999-12-31T23:59:59Z"));
  }
  int64_t us = absl::ToUnixMicros(t);
  if (absl::FromUnixMicros(us) != t) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", std::string(rfc3339), "' is more precise than a microsecond"));
  }
  return us;
}

std::string FormatTimeUs(int64_t us) {
  // RFC3339_full would print "+00:00"; the SPEC's times end in "Z".
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", absl::FromUnixMicros(us),
                          absl::UTCTimeZone());
}

}  // namespace ledger
