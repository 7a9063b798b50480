// Times: the canonical fast path and the general RFC 3339 parser agree, and
// the canonical form round-trips.
#include "ledger/time_util.h"

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
