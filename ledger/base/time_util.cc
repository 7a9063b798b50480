#include "ledger/time_util.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace ledger {

// absl::ParseTime alone: a hand-written reader of the canonical form was
// measured within the noise of replay (docs/benchmarks.md), so the library is
// kept. RFC3339_full takes "Z" or a numeric offset and any number of fractional
// digits; docs/contract.md section 1 wants no more than the microsecond we
// store.
absl::StatusOr<int64_t> ParseTimeUs(std::string_view rfc3339) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(rfc3339), &t, &err)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", std::string(rfc3339), "' is not an RFC 3339 time: ", err));
  }
  const int64_t us = absl::ToUnixMicros(t);
  if (absl::FromUnixMicros(us) != t) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", std::string(rfc3339), "' is more precise than a microsecond"));
  }
  if (us < kMinTimeUs || us > kMaxTimeUs) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", std::string(rfc3339),
                     "' is outside 1970-01-01T00:00:00Z..9999-12-31T23:59:59Z"));
  }
  return us;
}

namespace {

// absl::FormatTime's general formatter, for the years FormatTimeUs does not
// write itself.
std::string FormatTimeUsGeneral(int64_t us) {
  // RFC3339_full would print "+00:00"; the contract's times end in "Z"
  // (docs/contract.md section 1).
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", absl::FromUnixMicros(us),
                          absl::UTCTimeZone());
}

}  // namespace

// Writes the same as FormatTimeUsGeneral for four-digit years, without its
// format-string interpreter: every accepted command is canonicalized (and
// every replayed one checked) through here, several times per command.
std::string FormatTimeUs(int64_t us) {
  int64_t seconds = us / 1000000;
  int64_t micros = us % 1000000;
  if (micros < 0) {  // floor, so that the fraction is never negative
    micros += 1000000;
    --seconds;
  }
  const absl::CivilSecond c =
      absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  if (c.year() < 0 || c.year() > 9999) return FormatTimeUsGeneral(us);
  char text[28];  // "YYYY-MM-DDTHH:MM:SS.ffffffZ"
  auto put = [&text](int at, int64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i) {
      text[at + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, c.year(), 4);
  text[4] = '-';
  put(5, c.month(), 2);
  text[7] = '-';
  put(8, c.day(), 2);
  text[10] = 'T';
  put(11, c.hour(), 2);
  text[13] = ':';
  put(14, c.minute(), 2);
  text[16] = ':';
  put(17, c.second(), 2);
  int end = 19;
  if (micros != 0) {
    text[19] = '.';
    put(20, micros, 6);
    end = 26;
    while (text[end - 1] == '0') --end;  // %E*S: no trailing zeros
  }
  text[end++] = 'Z';
  return std::string(text, end);
}

}  // namespace ledger
