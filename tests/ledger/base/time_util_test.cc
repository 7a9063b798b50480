// Times: parsing is absl::ParseTime's RFC 3339; the hand-written formatter
// writes what absl::FormatTime writes, and the canonical form round-trips.
#include "ledger/time_util.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

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
