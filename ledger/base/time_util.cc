#include "ledger/time_util.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace ledger {
namespace {

// Reads `n` decimal digits at s[pos...]; false if any is not a digit.
bool Digits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t DaysInMonth(int64_t y, int64_t m) {
  static constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12), by
// the usual era arithmetic (H. Hinnant's days_from_civil): integer
// operations only, where absl::FromCivil goes through the time-zone code.
// time_util_test checks ParseTimeUs against absl::ParseTime with it.
int64_t DaysSinceEpoch(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;                              // [0, 399]
  const int64_t day_of_year = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// The canonical form FormatTimeUs writes ("2026-03-08T10:00:00Z", with up to
// six fractional digits) is what every stored command and most input holds;
// reading it directly avoids absl::ParseTime's general parser on the hot
// path and in replay. Anything else returns false and takes the general path.
bool ParseCanonical(std::string_view s, int64_t* us) {
  if (s.size() < 20 || s.size() > 27 || s.back() != 'Z' || s[4] != '-' ||
      s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return false;
  }
  int64_t y, mo, d, h, mi, sec, frac = 0;
  if (!Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &mo) || !Digits(s, 8, 2, &d) ||
      !Digits(s, 11, 2, &h) || !Digits(s, 14, 2, &mi) ||
      !Digits(s, 17, 2, &sec)) {
    return false;
  }
  if (s.size() > 20) {
    size_t n = s.size() - 21;  // digits between '.' and 'Z'
    if (s[19] != '.' || n == 0 || !Digits(s, 20, n, &frac)) return false;
    for (size_t i = n; i < 6; ++i) frac *= 10;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 ||
      mi > 59 || sec > 59) {
    return false;  // e.g. Feb 30: not a date, so not canonical
  }
  const int64_t seconds = DaysSinceEpoch(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  *us = seconds * 1000000 + frac;
  return true;
}

}  // namespace

absl::StatusOr<int64_t> ParseTimeUs(std::string_view rfc3339) {
  int64_t us = 0;
  if (!ParseCanonical(rfc3339, &us)) {
    absl::Time t;
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, std::string(rfc3339), &t, &err)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", std::string(rfc3339), "' is not an RFC 3339 time: ", err));
    }
    us = absl::ToUnixMicros(t);
    if (absl::FromUnixMicros(us) != t) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", std::string(rfc3339), "' is more precise than a microsecond"));
    }
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
  // RFC3339_full would print "+00:00"; the SPEC's times end in "Z".
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
