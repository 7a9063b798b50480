#include "ledger/time_util.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace ledger {
namespace {

// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (Howard
// Hinnant's days_from_civil), for 1 <= m <= 12 and a valid day.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;                          // [0, 399]
  const int64_t day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// The canonical form FormatTimeUs writes, "YYYY-MM-DDTHH:MM:SS[.f]Z" with
// one to six fractional digits, from 1970 on, read with integer date
// arithmetic; nullopt for anything else -- another shape, an offset, a
// field out of range, a leap second -- which absl::ParseTime then reads
// (or refuses) as before. Every command's times pass through here several
// times (validation, canonicalization, the judging time, replay's checks),
// almost always in this form: absl's format interpreter there was a tenth
// of a replay's CPU (docs/benchmarks.md, "Canonical times read without
// absl's format interpreter").
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
  if (year < 1970 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(static_cast<int>(year), static_cast<int>(month)) ||
      hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const int64_t days =
      DaysFromCivil(year, static_cast<int>(month), static_cast<int>(day));
  // Years 1970 to 9999: within [kMinTimeUs, kMaxTimeUs] by construction.
  return ((days * 24 + hour) * 60 + minute) * 60 * kMicrosPerSecond +
         second * kMicrosPerSecond + micros;
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
