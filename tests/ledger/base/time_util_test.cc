// Times: parsing is absl::ParseTime's RFC 3339, with the canonical form read
// by hand; the hand-written formatter writes what absl::FormatTime writes,
// and the canonical form round-trips.
#include "ledger/time_util.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace ledger {
namespace {

TEST(TimeUtil, CanonicalAndOffsetFormsOfOneInstantParseEqual) {
  EXPECT_EQ(ParseTimeUs("2026-03-08T10:00:00Z").value(),
            ParseTimeUs("2026-03-08T12:00:00+02:00").value());
  EXPECT_EQ(ParseTimeUs("2026-03-08T10:00:00.5Z").value(),
            ParseTimeUs("2026-03-08T10:00:00.500000+00:00").value());
}

TEST(TimeUtil, FormatIsUtcWithZAndFractionOnlyWhenNonZero) {
  EXPECT_EQ(FormatTimeUs(ParseTimeUs("2026-03-08T12:00:00+02:00").value()),
            "2026-03-08T10:00:00Z");
  EXPECT_EQ(FormatTimeUs(ParseTimeUs("2026-03-08T10:00:00.250Z").value()),
            "2026-03-08T10:00:00.25Z");
}

TEST(TimeUtil, CanonicalFormRoundTripsToTheMicrosecond) {
  for (int64_t us : {int64_t{0}, int64_t{1772964000000001}, kMaxTimeUs}) {
    EXPECT_EQ(ParseTimeUs(FormatTimeUs(us)).value(), us) << us;
  }
}

// FormatTimeUs writes the digits itself; absl::FormatTime with the format it
// replaced is the reference, over the whole valid range and its edges.
TEST(TimeUtil, FormatWritesWhatAbslFormatTimeWrites) {
  auto reference = [](int64_t us) {
    return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", absl::FromUnixMicros(us),
                            absl::UTCTimeZone());
  };
  std::mt19937_64 random(20261130);
  std::uniform_int_distribution<int64_t> in_range(kMinTimeUs, kMaxTimeUs);
  std::vector<int64_t> samples = {kMinTimeUs, kMaxTimeUs, 1, 999999, 1000000,
                                  951782400000000 /* 2000-02-29 */,
                                  1772964000000010, 1772964000100000};
  for (int i = 0; i < 100000; ++i) {
    int64_t us = in_range(random);
    samples.push_back(us);
    samples.push_back(us - us % 1000000);  // whole seconds: no fraction
  }
  for (int64_t us : samples) EXPECT_EQ(FormatTimeUs(us), reference(us)) << us;
  // Outside four-digit years it falls back to the reference itself.
  EXPECT_EQ(FormatTimeUs(-1), reference(-1));
  EXPECT_EQ(FormatTimeUs(kMaxTimeUs * 2), reference(kMaxTimeUs * 2));
}

// Whatever FormatTimeUs writes reads back as the same microsecond, and as
// what absl::ParseTime reads, over the whole valid range.
TEST(TimeUtil, CanonicalParseReadsWhatAbslParseTimeReads) {
  std::mt19937_64 random(11302026);
  std::uniform_int_distribution<int64_t> in_range(kMinTimeUs, kMaxTimeUs);
  for (int i = 0; i < 100000; ++i) {
    const int64_t us = i % 2 == 0 ? in_range(random) : in_range(random) / 1000000 * 1000000;
    const std::string text = FormatTimeUs(us);
    absl::Time reference;
    std::string error;
    ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &reference, &error)) << text;
    EXPECT_EQ(ParseTimeUs(text).value(), absl::ToUnixMicros(reference)) << text;
    EXPECT_EQ(ParseTimeUs(text).value(), us) << text;
  }
}

// What ParseTimeUs answered with absl::ParseTime alone, before the canonical
// form was read by hand: the reference of the test below.
absl::StatusOr<int64_t> AbslOnly(const std::string& text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not an RFC 3339 time: ", error));
  }
  const int64_t us = absl::ToUnixMicros(t);
  if (absl::FromUnixMicros(us) != t) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is more precise than a microsecond"));
  }
  if (us < kMinTimeUs || us > kMaxTimeUs) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' is outside 1970-01-01T00:00:00Z..9999-12-31T23:59:59Z"));
  }
  return us;
}

// The hand-read canonical form changes no answer: canonical times, the
// same with trailing fractional zeros, and every one-character change,
// cut and extension of them (digits out of range, leap seconds, Feb 29 of
// other years, offsets, lowercase letters, too many digits) parse to the
// same value or fail with the same message as absl::ParseTime alone, and
// IsCanonicalTime says whether FormatTimeUs would write them so.
TEST(TimeUtil, HandReadCanonicalTimesAnswerAsAbslParseTimeDoes) {
  std::mt19937_64 random(20261207);
  std::uniform_int_distribution<int64_t> in_range(kMinTimeUs, kMaxTimeUs);
  const std::string alphabet = "0123456789-:.TtZz+ 5";
  std::vector<std::string> texts = {
      "1970-01-01T00:00:00Z",        "9999-12-31T23:59:59.999999Z",
      "1969-12-31T23:59:59Z",        "2024-02-29T00:00:00Z",
      "2026-02-29T00:00:00Z",        "2100-02-29T00:00:00Z",
      "2000-02-29T23:59:59Z",        "2026-12-31T23:59:60Z",
      "2026-03-08T10:00:00.Z",       "2026-03-08T10:00:00.1234567Z",
      "2026-03-08T10:00:00.000000Z", "2026-03-08T10:00:00.100Z",
      "2026-03-08T10:00:00+00:00",   "2026-03-08T10:00:00z",
      "0000-01-01T00:00:00Z",        "2026-00-10T00:00:00Z",
      "2026-03-00T00:00:00Z",        "2026-03-08T10:60:00Z"};
  for (int i = 0; i < 20000; ++i) {
    const int64_t us = in_range(random);
    const std::string canonical =
        FormatTimeUs(i % 3 == 0 ? us / 1000000 * 1000000 : us);
    texts.push_back(canonical);
    std::string changed = canonical;
    changed[random() % changed.size()] = alphabet[random() % alphabet.size()];
    texts.push_back(changed);
    texts.push_back(canonical.substr(0, random() % canonical.size()));
    std::string longer = canonical;
    longer.insert(longer.size() - 1, std::string(1 + random() % 3, '0'));
    texts.push_back(longer);  // more fractional zeros, or a '0' before the Z
  }
  for (const std::string& text : texts) {
    const absl::StatusOr<int64_t> got = ParseTimeUs(text);
    const absl::StatusOr<int64_t> want = AbslOnly(text);
    // Canonical exactly when formatting what it reads gives it back.
    EXPECT_EQ(IsCanonicalTime(text), want.ok() && FormatTimeUs(*want) == text)
        << text;
    ASSERT_EQ(got.ok(), want.ok()) << text;
    if (got.ok()) {
      EXPECT_EQ(*got, *want) << text;
    } else {
      EXPECT_EQ(got.status(), want.status()) << text;
    }
  }
}

TEST(TimeUtil, LeapDaysAreDatesOnlyInLeapYears) {
  EXPECT_TRUE(ParseTimeUs("2024-02-29T00:00:00Z").ok());
  EXPECT_TRUE(ParseTimeUs("2000-02-29T00:00:00Z").ok());
  EXPECT_FALSE(ParseTimeUs("1900-02-29T00:00:00Z").ok());
  EXPECT_FALSE(ParseTimeUs("2026-02-29T00:00:00Z").ok());
  EXPECT_FALSE(ParseTimeUs("2026-04-31T00:00:00Z").ok());
  EXPECT_EQ(ParseTimeUs("2024-03-01T00:00:00Z").value() -
                ParseTimeUs("2024-02-28T00:00:00Z").value(),
            int64_t{2} * 86400 * 1000000);
}

TEST(TimeUtil, ImpossibleDatesAndExcessPrecisionAreRejected) {
  EXPECT_FALSE(ParseTimeUs("2026-02-30T10:00:00Z").ok());
  EXPECT_FALSE(ParseTimeUs("2026-13-01T10:00:00Z").ok());
  EXPECT_FALSE(ParseTimeUs("2026-03-08T24:00:00Z").ok());
  EXPECT_FALSE(ParseTimeUs("2026-03-08T10:00:00.1234567Z").ok());
  EXPECT_FALSE(ParseTimeUs("1969-12-31T23:59:59Z").ok());
  EXPECT_FALSE(ParseTimeUs("2026-03-08 10:00:00Z").ok());
  EXPECT_FALSE(ParseTimeUs("").ok());
}

}  // namespace
}  // namespace ledger
