#include "ledger/time_util.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace ledger {
namespace {

// The canonical form FormatTimeUs writes, "YYYY-MM-DDTHH:MM:SS[.f]Z" with
// one to six fractional digits, from 1970 on, read as digits and counted
// from the epoch with absl's civil time (no format interpreter); nullopt
// for anything else -- another shape, an offset, a field out of range, a
// leap second -- which absl::ParseTime then reads (or refuses) as before.
// Every command's times pass through here several times (validation,
// canonicalization, the judging time, replay's checks), almost always in
// this form: absl's format interpreter there was a tenth of a replay's CPU
// (docs/benchmarks.md, "Canonical times read without absl's format
// interpreter").
std::optional<int64_t> ParseCanonicalTimeUs(std::string_view s) {
  if (s.size() != 20 && (s.size() < 22 || s.size() > 27)) return std::nullopt;
  if (s.back() != 'Z') return std::nullopt;
  bool ok = true;
  auto number = [&](size_t at, size_t digits) {
    int64_t value = 0;
    for (size_t i = at; i < at + digits; ++i) {
      const char c = s[i];
      ok = ok && c >= '0' && c <= '9';
      value = value * 10 + (c - '0');
    }
    return value;
  };
  const int64_t year = number(0, 4);
  const int64_t month = number(5, 2);
  const int64_t day = number(8, 2);
  const int64_t hour = number(11, 2);
  const int64_t minute = number(14, 2);
  const int64_t second = number(17, 2);
  int64_t micros = 0;
  if (s.size() > 20) {
    ok = ok && s[19] == '.';
    const size_t digits = s.size() - 21;  // between the '.' and the 'Z'
    micros = number(20, digits);
    for (size_t i = digits; i < 6; ++i) micros *= 10;
  }
  if (!ok || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':') {
    return std::nullopt;
  }
  // A CivilSecond normalizes what is out of range (February 30th is March
  // 2nd): a field it changed was not a date or a time of day.
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  if (year < 1970 || civil.year() != year || civil.month() != month ||
      civil.day() != day || civil.hour() != hour || civil.minute() != minute ||
      civil.second() != second) {
    return std::nullopt;
  }
  // Years 1970 to 9999: within [kMinTimeUs, kMaxTimeUs] by construction.
  return (civil - absl::CivilSecond(1970)) * kMicrosPerSecond + micros;
}

}  // namespace

// The canonical form has no fraction, or one whose last digit is not 0.
bool IsCanonicalTime(std::string_view text) {
  return ParseCanonicalTimeUs(text).has_value() &&
         (text.size() == 20 || text[text.size() - 2] != '0');
}

// The canonical form by hand (ParseCanonicalTimeUs), everything else with
// absl::ParseTime: RFC3339_full takes "Z" or a numeric offset and any number
// of fractional digits; docs/contract.md section 1 wants no more than the
// microsecond we store. Every refusal, and its message, is absl's path.
absl::StatusOr<int64_t> ParseTimeUs(std::string_view rfc3339) {
  if (std::optional<int64_t> us = ParseCanonicalTimeUs(rfc3339)) return *us;
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
