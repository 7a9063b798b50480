// docs/contract.md section 8: every accepted, non-duplicate result carries the
// customer's available credits at the command's `at`, right after the command;
// a set_policy, a duplicate and a rejection carry none.
#include <cstdint>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::TestLedger;

// The `available` of an accepted result; fails the test for any other.
int64_t AvailableAfter(TestLedger& db, const std::string& json) {
  const SubmitResult r = db.Json(json);
  EXPECT_EQ(r.outcome, Outcome::kAccepted) << json << ": " << r.message;
  EXPECT_TRUE(r.available.has_value()) << json;
  return r.available.value_or(-1);
}

std::string Cmd(const std::string& key, const std::string& at,
                const std::string& kind) {
  return "{\"key\":\"" + key + "\",\"customer\":\"c1\",\"at\":\"" + at +
         "\"," + kind + "}";
}

TEST(AvailableInResults, EveryKindReportsTheCreditsLeftAfterIt) {
  TestLedger db;
  EXPECT_EQ(AvailableAfter(db, Cmd("k1", "2026-03-08T10:00:00Z",
                                   R"("purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD"})")),
            1000);
  EXPECT_EQ(AvailableAfter(db, Cmd("k2", "2026-03-08T10:01:00Z",
                                   R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":60})")),
            940);
  // A hold takes its credits out of `available` while the call runs.
  EXPECT_EQ(AvailableAfter(db, Cmd("k3", "2026-03-08T10:02:00Z",
                                   R"("hold":{"hold_id":"h1","credits":100,"expires_at":"2026-03-08T11:00:00Z"})")),
            840);
  // A capture spends 30 of the hold and gives the other 70 back.
  EXPECT_EQ(AvailableAfter(db, Cmd("k4", "2026-03-08T10:03:00Z",
                                   R"("capture":{"hold_id":"h1","usage_id":"u2","category":"AUTOMATED_CALL","credits":30})")),
            910);
  EXPECT_EQ(AvailableAfter(db, Cmd("k5", "2026-03-08T10:04:00Z",
                                   R"("hold":{"hold_id":"h2","credits":10,"expires_at":"2026-03-08T11:00:00Z"})")),
            900);
  EXPECT_EQ(AvailableAfter(db, Cmd("k6", "2026-03-08T10:05:00Z",
                                   R"("release":{"hold_id":"h2"})")),
            910);
  EXPECT_EQ(AvailableAfter(db, Cmd("k7", "2026-03-08T10:06:00Z",
                                   R"("compensate":{"adjustment_id":"a1","usage_id":"u1","credits":5,"verified_by":"support"})")),
            915);
  // A refund request freezes the whole purchase lot (905 left in it).
  EXPECT_EQ(AvailableAfter(db, Cmd("k8", "2026-03-08T10:07:00Z",
                                   R"("request_refund":{"refund_id":"r1","purchase_id":"p1"})")),
            5);
  EXPECT_EQ(AvailableAfter(db, Cmd("k9", "2026-03-08T10:08:00Z",
                                   R"("deny_refund":{"refund_id":"r1"})")),
            915);
  EXPECT_EQ(AvailableAfter(db, Cmd("k10", "2026-03-08T10:09:00Z",
                                   R"("suspend":{"reason":"SPAM_CALLING"})")),
            915);
  EXPECT_EQ(AvailableAfter(db, Cmd("k11", "2026-03-08T10:10:00Z",
                                   R"("reinstate":{})")),
            915);
  EXPECT_EQ(AvailableAfter(db, Cmd("k12", "2026-03-08T10:11:00Z",
                                   R"("chargeback":{"purchase_id":"p1","contacted_support":true})")),
            5);
  EXPECT_EQ(AvailableAfter(db, Cmd("k13", "2026-03-08T10:12:00Z",
                                   R"("forfeit":{})")),
            0);
}

TEST(AvailableInResults, ExpireTakesTheExpiredLotsAndTheValueIsAtTheCommandsTime) {
  TestLedger db;
  EXPECT_EQ(AvailableAfter(db, Cmd("k1", "2026-03-08T10:00:00Z",
                                   R"("purchase":{"purchase_id":"p1","credits":100,"amount_minor":100,"currency":"USD","expires_at":"2026-03-09T00:00:00Z"})")),
            100);
  EXPECT_EQ(AvailableAfter(db, Cmd("k2", "2026-03-08T11:00:00Z",
                                   R"("purchase":{"purchase_id":"p2","credits":50,"amount_minor":50,"currency":"USD"})")),
            150);
  // p1 is already expired at this command's `at`, though not yet swept:
  // it does not count, as in the definition of available
  // in docs/contract.md section 1.
  EXPECT_EQ(AvailableAfter(db, Cmd("k3", "2026-03-10T00:00:00Z",
                                   R"("purchase":{"purchase_id":"p3","credits":1,"amount_minor":1,"currency":"USD"})")),
            51);
  EXPECT_EQ(AvailableAfter(db, Cmd("k4", "2026-03-10T00:01:00Z",
                                   R"("expire":{})")),
            51);
  Balance b = db.BalanceAt("c1", "2026-03-10T00:01:00Z");
  EXPECT_EQ(b.available, 51);
}

TEST(AvailableInResults, SubscriptionsCountTheirLots) {
  TestLedger db;
  EXPECT_EQ(AvailableAfter(db, Cmd("k1", "2026-03-08T10:00:00Z",
                                   R"("subscribe":{"period_id":"m1","plan":"pro","credits":300,"amount_minor":900,"currency":"USD","period_end":"2026-04-08T10:00:00Z"})")),
            300);
  EXPECT_EQ(AvailableAfter(db, Cmd("k2", "2026-04-08T10:00:00Z",
                                   R"("renew":{"period_id":"m2","credits":300,"amount_minor":900,"period_end":"2026-05-08T10:00:00Z"})")),
            300);  // m1's lot expired at this very `at`
  EXPECT_EQ(AvailableAfter(db, Cmd("k3", "2026-04-09T10:00:00Z",
                                   R"("cancel_subscription":{})")),
            300);
}

TEST(AvailableInResults, DuplicatesRejectionsAndPoliciesCarryNone) {
  TestLedger db;
  const std::string buy = Cmd("k1", "2026-03-08T10:00:00Z",
                              R"("purchase":{"purchase_id":"p1","credits":10,"amount_minor":10,"currency":"USD"})");
  ASSERT_EQ(AvailableAfter(db, buy), 10);
  SubmitResult duplicate = db.Json(buy);
  EXPECT_EQ(duplicate.outcome, Outcome::kDuplicate);
  EXPECT_FALSE(duplicate.available.has_value());
  SubmitResult rejected = db.Json(Cmd("k2", "2026-03-08T10:01:00Z",
                                      R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":11})"));
  EXPECT_EQ(rejected.outcome, Outcome::kRejected);
  EXPECT_FALSE(rejected.available.has_value());
  SubmitResult policy = db.Json(
      R"({"key":"k3","at":"2026-03-08T10:02:00Z","set_policy":{"version":"v2","refund_window_hours":24,"inquiry_window_hours":24}})");
  EXPECT_EQ(policy.outcome, Outcome::kAccepted) << policy.message;
  EXPECT_FALSE(policy.available.has_value());
}

TEST(AvailableInResults, ApplyPrintsItAfterTheSeq) {
  testing::TempDir dir;
  const std::string input = dir.path() + "/in.jsonl";
  testing::WriteFile(
      input,
      Cmd("k1", "2026-03-08T10:00:00Z",
          R"("purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD"})") +
          "\n" +
          Cmd("k2", "2026-03-08T10:01:00Z",
              R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":60})") +
          "\n" +
          Cmd("k1", "2026-03-08T10:00:00Z",
              R"("purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD"})") +
          "\n");
  std::string out;
  ASSERT_EQ(testing::RunLedgerctl("apply --db " + dir.path() + "/db " + input,
                                  &out),
            0);
  EXPECT_EQ(out,
            "{\"key\": \"k1\", \"status\": \"ACCEPTED\", \"seq\": 1, "
            "\"available\": 1000}\n"
            "{\"key\": \"k2\", \"status\": \"ACCEPTED\", \"seq\": 2, "
            "\"available\": 940}\n"
            "{\"key\": \"k1\", \"status\": \"ACCEPTED\", \"seq\": 1, "
            "\"duplicate\": true}\n");
}

}  // namespace
}  // namespace ledger
