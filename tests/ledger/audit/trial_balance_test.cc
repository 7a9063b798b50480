// The trial balance (ledger/trial_balance.h): postings summed per account
// and unit up to a time, from a log that verifies.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/time_util.h"
#include "ledger/trial_balance.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::RawLog;
using testing::TestLedger;

void WriteEvents(TestLedger& db) {
  for (const char* json : {
           R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD"}})",
           R"({"key":"k2","customer":"c1","at":"2026-03-08T11:00:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":60}})",
           R"({"key":"k3","customer":"c2","at":"2026-03-08T09:00:00Z","purchase":{"purchase_id":"p1","credits":300,"amount_minor":500,"currency":"EUR"}})",
           R"({"key":"k4","customer":"c2","at":"2026-03-08T12:00:00Z","request_refund":{"refund_id":"r1","purchase_id":"p1"}})",
           R"({"key":"k5","customer":"c2","at":"2026-03-08T12:30:00Z","approve_refund":{"refund_id":"r1"}})",
       }) {
    ASSERT_EQ(db.Code(json), "ACCEPTED") << json;
  }
  db.Close();
}

const TrialBalanceLine* Line(const TrialBalance& tb, const std::string& unit,
                             v1::Account account) {
  for (const TrialBalanceLine& line : tb.lines) {
    if (line.unit == unit && line.account == account) return &line;
  }
  return nullptr;
}

TEST(TrialBalance, SumsEveryPostingPerAccountAndUnitAndNetsToZero) {
  TestLedger db;
  WriteEvents(db);
  absl::StatusOr<TrialBalance> tb = ComputeTrialBalance(db.dir(), std::nullopt);
  ASSERT_TRUE(tb.ok()) << tb.status();
  EXPECT_EQ(tb->events_read, 5u);
  EXPECT_EQ(tb->events_summed, 5u);
  EXPECT_TRUE(tb->balanced());
  ASSERT_EQ(tb->totals.size(), 3u);
  EXPECT_EQ(tb->totals[0].unit, "CREDITS");  // credits first, then by code
  EXPECT_EQ(tb->totals[1].unit, "EUR");
  EXPECT_EQ(tb->totals[2].unit, "USD");

  const TrialBalanceLine* lots = Line(*tb, "CREDITS", v1::CUSTOMER_LOTS);
  ASSERT_NE(lots, nullptr);
  // Credited 1000 + 300 by the purchases; debited 60 by the use and 300 by
  // the refund request (the lot's remaining frozen).
  EXPECT_TRUE(lots->credit == 1300 && lots->debit == 360);
  EXPECT_TRUE(lots->net() == -940);
  const TrialBalanceLine* sold = Line(*tb, "CREDITS", v1::CREDITS_SOLD);
  ASSERT_NE(sold, nullptr);
  EXPECT_TRUE(sold->debit == 1300 && sold->credit == 0);
  const TrialBalanceLine* refunded = Line(*tb, "CREDITS", v1::CREDITS_REFUNDED);
  ASSERT_NE(refunded, nullptr);
  EXPECT_TRUE(refunded->credit == 300);
  const TrialBalanceLine* payable = Line(*tb, "EUR", v1::REFUNDS_PAYABLE);
  ASSERT_NE(payable, nullptr);
  EXPECT_TRUE(payable->credit == 500) << "the whole lot was refunded";
  const TrialBalanceLine* cash = Line(*tb, "USD", v1::CASH);
  ASSERT_NE(cash, nullptr);
  EXPECT_TRUE(cash->debit == 1999 && cash->net() == 1999);
  EXPECT_TRUE(tb->totals[2].debit == 1999 && tb->totals[2].credit == 1999);
}

TEST(TrialBalance, AsOfSumsOnlyTheEventsDatedUpToTheTime) {
  TestLedger db;
  WriteEvents(db);
  absl::StatusOr<int64_t> as_of = ParseTimeUs("2026-03-08T10:30:00Z");
  ASSERT_TRUE(as_of.ok());
  absl::StatusOr<TrialBalance> tb = ComputeTrialBalance(db.dir(), *as_of);
  ASSERT_TRUE(tb.ok()) << tb.status();
  // k1 (10:00) and k3 (09:00, logged third) only.
  EXPECT_EQ(tb->events_read, 5u);
  EXPECT_EQ(tb->events_summed, 2u);
  const TrialBalanceLine* lots = Line(*tb, "CREDITS", v1::CUSTOMER_LOTS);
  ASSERT_NE(lots, nullptr);
  EXPECT_TRUE(lots->credit == 1300 && lots->debit == 0);
  EXPECT_EQ(Line(*tb, "CREDITS", v1::CREDITS_CONSUMED), nullptr);
  EXPECT_TRUE(tb->balanced());
}

TEST(TrialBalance, AnEntryThatDoesNotBalanceShowsInTheTotalOfItsUnit) {
  TestLedger db;
  WriteEvents(db);
  // A consistent chain whose use credits 61 to consumption against a debit
  // of 60: only the sums can tell.
  RawLog(db.dir()).RewriteFrom(2, 5, [](v1::Event& event) {
    for (v1::Posting& p : *event.mutable_postings()) {
      if (p.account() == v1::CREDITS_CONSUMED) p.set_amount(p.amount() - 1);
    }
  });
  absl::StatusOr<TrialBalance> tb = ComputeTrialBalance(db.dir(), std::nullopt);
  ASSERT_TRUE(tb.ok()) << tb.status();
  EXPECT_FALSE(tb->balanced());
  EXPECT_FALSE(tb->totals[0].balanced());
  EXPECT_TRUE(tb->totals[0].debit - tb->totals[0].credit == -1);
  EXPECT_TRUE(tb->totals[1].balanced());
}

TEST(TrialBalance, ALogThatDoesNotVerifyGivesNoSums) {
  TestLedger db;
  WriteEvents(db);
  RawLog(db.dir()).Delete(2);
  absl::StatusOr<TrialBalance> tb = ComputeTrialBalance(db.dir(), std::nullopt);
  EXPECT_EQ(tb.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(tb.status().message()), HasSubstr("event 2 is missing"));
}

}  // namespace
}  // namespace ledger
