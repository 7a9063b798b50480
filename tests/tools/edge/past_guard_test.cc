// The past guard of the edge (docs/edge-guards.md, docs/contract.md section
// 16): unit tests with a fixed clock. `ledgerctl apply --max-past` through
// the binary is the scenario tests/scenarios/max_past_guard.jsonl.
#include "tools/edge/past_guard.h"

#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/time_util.h"

namespace ledger::edge {
namespace {

int64_t Us(const char* rfc3339) { return ParseTimeUs(rfc3339).value(); }

absl::Time Noon() { return absl::FromUnixMicros(Us("2026-03-08T12:00:00Z")); }

PastGuard HourGuard() { return PastGuard(absl::Hours(1), Noon); }

TEST(PastGuardTest, ATimeUpToTheLimitBeforeTheClockPasses) {
  EXPECT_TRUE(HourGuard().CheckAt(Us("2026-03-08T11:00:00Z")).ok());
  EXPECT_TRUE(HourGuard().CheckAt(Us("2026-03-08T12:00:00Z")).ok());
  EXPECT_TRUE(HourGuard().CheckAt(Us("2030-01-01T00:00:00Z")).ok());  // ahead
}

TEST(PastGuardTest, ATimeFurtherBackIsRefusedSayingByHowMuch) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      HourGuard().CheckAt(Us("2026-03-08T10:59:59.999999Z"))));
  absl::Status s = HourGuard().CheckAt(Us("2026-03-08T09:00:00Z"));
  ASSERT_TRUE(absl::IsInvalidArgument(s)) << s;
  const std::string m(s.message());
  EXPECT_NE(m.find("at 2026-03-08T09:00:00Z is 3h before this machine's clock"),
            std::string::npos) << m;
  EXPECT_NE(m.find("--max-past"), std::string::npos) << m;
}

TEST(PastGuardTest, ALineWithoutAReadableAtPassesForTheLedgerToJudge) {
  EXPECT_TRUE(HourGuard().CheckJson(R"({"key":"k1","customer":"c1"})").ok());
  EXPECT_TRUE(HourGuard().CheckJson(R"({"key":"k1","at":"yesterday"})").ok());
  EXPECT_TRUE(HourGuard().CheckJson("not json").ok());
  EXPECT_FALSE(HourGuard().CheckJson(R"({"key":"k1","at":"2026-03-01T00:00:00Z"})").ok());
}

TEST(PastGuardTest, TheFlagTakesAPositiveDurationOrOff) {
  EXPECT_EQ(*ParseMaxPast("90m"), absl::Minutes(90));
  EXPECT_FALSE(ParseMaxPast("off")->has_value());
  for (const char* bad : {"0s", "-1h", "inf", "soon", ""}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseMaxPast(bad).status())) << bad;
  }
}

}  // namespace
}  // namespace ledger::edge
