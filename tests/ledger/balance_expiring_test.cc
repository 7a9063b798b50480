// Balance::expiring: the credits that expire per UTC day over the 30 days
// after the balance's time T, counted from what remains in each lot at T.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/test_util.h"
#include "tools/workload/command_json.h"

namespace ledger {
namespace {

using testing::TestLedger;

constexpr char kT[] = "2026-03-08T10:00:00Z";

// A purchase at 09:00 on 2026-03-08, expiring at `expires_at` ("" for none).
std::string Buy(const std::string& id, int64_t credits,
                const std::string& expires_at) {
  return workload::PurchaseJson({.key = id,
                                 .customer = "c1",
                                 .at = "2026-03-08T09:00:00Z",
                                 .purchase_id = id,
                                 .credits = credits,
                                 .amount_minor = 100,
                                 .expires_at = expires_at});
}

std::string Command(const std::string& key, const std::string& at,
                    const std::string& kind_json) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":"c1","at":")", at,
                      R"(",)", kind_json, "}");
}

// "date=credits" per entry, for readable failures.
std::vector<std::string> Days(const Balance& b) {
  std::vector<std::string> out;
  for (const ExpiringCredits& day : b.expiring) {
    out.push_back(absl::StrCat(day.date, "=", day.credits));
  }
  return out;
}

TEST(BalanceExpiringTest, ExpiringListsCreditsPerDayOverTheNext30Days) {
  TestLedger db;
  ASSERT_EQ(db.Code(Buy("p1", 100, "2026-03-09T10:00:00Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Buy("p2", 50, "2026-03-09T23:59:59Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Buy("p3", 70, "2026-03-20T00:00:00Z")), "ACCEPTED");
  // Exactly T + 30 days: inside the window; one microsecond later: outside.
  ASSERT_EQ(db.Code(Buy("p4", 30, "2026-04-07T10:00:00Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Buy("p5", 20, "2026-04-07T10:00:00.000001Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Buy("p6", 10, "")), "ACCEPTED");  // never expires
  EXPECT_THAT(Days(db.BalanceAt("c1", kT)),
              ::testing::ElementsAre("2026-03-09=150", "2026-03-20=70",
                                     "2026-04-07=30"));
}

TEST(BalanceExpiringTest, ExpiringGroupsByTheUtcDayOfExpiry) {
  TestLedger db;
  // 01:00 at +02:00 is 23:00 UTC the day before.
  ASSERT_EQ(db.Code(Buy("p1", 5, "2026-03-10T01:00:00+02:00")), "ACCEPTED");
  ASSERT_EQ(db.Code(Buy("p2", 7, "2026-03-10T00:00:00Z")), "ACCEPTED");
  EXPECT_THAT(Days(db.BalanceAt("c1", kT)),
              ::testing::ElementsAre("2026-03-09=5", "2026-03-10=7"));
}

TEST(BalanceExpiringTest, ExpiredLotIsNotExpiring) {
  TestLedger db;
  ASSERT_EQ(db.Code(Buy("p1", 100, "2026-03-09T10:00:00Z")), "ACCEPTED");
  EXPECT_THAT(Days(db.BalanceAt("c1", "2026-03-09T09:59:59Z")),
              ::testing::ElementsAre("2026-03-09=100"));
  // Expired at T (expires_at <= T), though not yet swept by an `expire`.
  EXPECT_THAT(Days(db.BalanceAt("c1", "2026-03-09T10:00:00Z")),
              ::testing::IsEmpty());
  EXPECT_EQ(db.BalanceAt("c1", "2026-03-09T10:00:00Z").lots[0].remaining, 100);
}

TEST(BalanceExpiringTest, ExpiringCountsOnlyWhatRemainsInTheLot) {
  TestLedger db;
  ASSERT_EQ(db.Code(Buy("p1", 100, "2026-03-09T10:00:00Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Buy("p2", 100, "2026-03-12T10:00:00Z")), "ACCEPTED");
  // Consumption order takes the earliest expiry first: 100 from p1, 20 from p2.
  ASSERT_EQ(db.Code(Command("u1", kT,
                            R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":120})")),
            "ACCEPTED");
  EXPECT_THAT(Days(db.BalanceAt("c1", kT)),
              ::testing::ElementsAre("2026-03-12=80"));
}

TEST(BalanceExpiringTest, HeldCreditsCountOnlyOnceReleasedToTheirLot) {
  TestLedger db;
  ASSERT_EQ(db.Code(Buy("p1", 100, "2026-03-09T10:00:00Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Command("h1", kT,
                            R"("hold":{"hold_id":"h1","credits":30,"expires_at":"2026-03-08T11:00:00Z"})")),
            "ACCEPTED");
  Balance held = db.BalanceAt("c1", kT);
  EXPECT_EQ(held.held, 30);
  EXPECT_THAT(Days(held), ::testing::ElementsAre("2026-03-09=70"));
  ASSERT_EQ(db.Code(Command("r1", kT, R"("release":{"hold_id":"h1"})")),
            "ACCEPTED");
  EXPECT_THAT(Days(db.BalanceAt("c1", kT)),
              ::testing::ElementsAre("2026-03-09=100"));
}

TEST(BalanceExpiringTest, RefundPendingCreditsCountOnlyOnceTheRefundIsDenied) {
  TestLedger db;
  ASSERT_EQ(db.Code(Buy("p1", 100, "2026-03-09T10:00:00Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Command("q1", kT,
                            R"("request_refund":{"refund_id":"r1","purchase_id":"p1"})")),
            "ACCEPTED");
  Balance frozen = db.BalanceAt("c1", kT);
  EXPECT_EQ(frozen.refund_pending, 100);
  EXPECT_THAT(Days(frozen), ::testing::IsEmpty());
  ASSERT_EQ(db.Code(Command("d1", kT, R"("deny_refund":{"refund_id":"r1"})")),
            "ACCEPTED");
  EXPECT_THAT(Days(db.BalanceAt("c1", kT)),
              ::testing::ElementsAre("2026-03-09=100"));
}

TEST(BalanceExpiringTest, ExpiringIsEmptyWhenNoLotExpiresWithin30Days) {
  TestLedger db;
  ASSERT_EQ(db.Code(Buy("p1", 100, "")), "ACCEPTED");
  ASSERT_EQ(db.Code(Buy("p2", 100, "2026-06-08T10:00:00Z")), "ACCEPTED");
  EXPECT_THAT(Days(db.BalanceAt("c1", kT)), ::testing::IsEmpty());
  // And it comes into view once T is within 30 days of it.
  EXPECT_THAT(Days(db.BalanceAt("c1", "2026-05-10T10:00:00Z")),
              ::testing::ElementsAre("2026-06-08=100"));
}

}  // namespace
}  // namespace ledger
