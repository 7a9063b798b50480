// The rules of docs/contract.md section 5 through the public API: validation,
// decision and the store together, and replay judging every stored command the
// same way.
#include <string>

#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::TestLedger;

TEST(PolicyRules, CompoundCommandsAreDecidedAgainTheSameWayOnReplay) {
  TestLedger db;
  const char* commands[] = {
      R"({"key":"a1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD","expires_at":"2026-03-20T00:00:00Z"}})",
      R"({"key":"a2","customer":"c1","at":"2026-03-08T10:00:00Z","subscribe":{"period_id":"s1","plan":"pro","credits":300,"amount_minor":4900,"currency":"EUR","period_end":"2026-04-08T10:00:00Z"}})",
      R"({"key":"a3","customer":"c1","at":"2026-03-08T10:01:00Z","purchase":{"purchase_id":"p2","credits":500,"amount_minor":999,"currency":"USD"}})",
      R"({"key":"a4","customer":"c1","at":"2026-03-08T10:02:00Z","hold":{"hold_id":"hb","credits":400,"expires_at":"2026-03-08T11:00:00Z"}})",
      R"({"key":"a5","customer":"c1","at":"2026-03-08T10:02:00Z","hold":{"hold_id":"ha","credits":50,"expires_at":"2026-03-08T12:00:00Z"}})",
      R"({"key":"a6","customer":"c1","at":"2026-03-08T10:03:00Z","request_refund":{"refund_id":"r1","purchase_id":"p2"}})",
      R"({"key":"a7","customer":"c1","at":"2026-03-08T10:04:00Z","suspend":{"reason":"FRAUD"}})",
      R"({"key":"a8","customer":"c1","at":"2026-03-08T10:05:00Z","reinstate":{}})",
      R"({"key":"a9","customer":"c1","at":"2026-03-08T10:06:00Z","use":{"usage_id":"u1","category":"VOICE_GENERATION","credits":100}})",
      R"({"key":"a10","customer":"c1","at":"2026-03-08T10:07:00Z","compensate":{"adjustment_id":"adj1","usage_id":"u1","credits":20,"verified_by":"support:alice"}})",
      R"({"key":"a11","customer":"c1","at":"2026-03-08T10:08:00Z","hold":{"hold_id":"hc","credits":30,"expires_at":"2026-03-08T10:30:00Z"}})",
      R"({"key":"a12","customer":"c1","at":"2026-03-08T10:09:00Z","capture":{"hold_id":"hc","usage_id":"u2","category":"AUTOMATED_CALL","credits":25,"provider":"TELNYX"}})",
      R"({"key":"a13","customer":"c1","at":"2026-03-08T10:10:00Z","chargeback":{"purchase_id":"p2","contacted_support":false}})",
      R"({"key":"a14","customer":"c1","at":"2026-03-21T00:00:00Z","expire":{}})",
      R"({"key":"a15","customer":"c1","at":"2026-03-21T00:00:00Z","forfeit":{}})",
      R"({"key":"a16","at":"2026-03-22T00:00:00Z","set_policy":{"version":"v2","refund_window_hours":24,"inquiry_window_hours":24}})",
  };
  for (const char* json : commands) {
    SubmitResult r = db.Json(json);
    ASSERT_EQ(testing::OutcomeName(r), "ACCEPTED") << json << "\n" << r.message;
  }
  Balance b = db.BalanceAt("c1", "2026-03-21T00:00:00Z");
  EXPECT_EQ(b.status, v1::TERMINATED);
  EXPECT_EQ(b.available, 0);
  EXPECT_EQ(b.held, 0);
  EXPECT_EQ(b.refund_pending, 0);
  db.Close();
  auto report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->first_bad_seq << ": " << report->problem;
  EXPECT_EQ(report->events, std::size(commands));
}

TEST(PolicyRules, ARejectedKeyMayBeSentAgainAndJudgedAfresh) {
  TestLedger db;
  const std::string use =
      R"({"key":"u","customer":"c1","at":"2026-03-08T10:01:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":10}})";
  EXPECT_EQ(db.Code(use), "UNKNOWN_CUSTOMER");
  EXPECT_EQ(db.Code(R"({"key":"b","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":5,"amount_minor":1,"currency":"USD"}})"),
            "ACCEPTED");
  EXPECT_EQ(db.Code(use), "INSUFFICIENT_CREDITS");
  EXPECT_EQ(db.Code(R"({"key":"b2","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p2","credits":5,"amount_minor":1,"currency":"USD"}})"),
            "ACCEPTED");
  EXPECT_EQ(db.Code(use), "ACCEPTED");
  EXPECT_EQ(db.Code(use), "DUPLICATE");
}

TEST(PolicyRules, TheSameInstantInAnotherOffsetIsTheSameCommand) {
  TestLedger db;
  EXPECT_EQ(db.Code(R"({"key":"k","customer":"c1","at":"2026-03-08T12:00:00+02:00","purchase":{"purchase_id":"p1","credits":5,"amount_minor":1,"currency":"USD"}})"),
            "ACCEPTED");
  EXPECT_EQ(db.Code(R"({"purchase":{"currency":"USD","amount_minor":1,"credits":5,"purchase_id":"p1"},"at":"2026-03-08T10:00:00.000Z","customer":"c1","key":"k"})"),
            "DUPLICATE");
  EXPECT_EQ(db.Code(R"({"key":"k","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":6,"amount_minor":1,"currency":"USD"}})"),
            "KEY_REUSED");
}

TEST(PolicyRules, AStrictParseRejectsAliasesButStillNamesTheKey) {
  TestLedger db;
  SubmitResult r = db.Json(
      R"({"key":"k9","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchaseId":"p1","credits":5,"amount_minor":1,"currency":"USD"}})");
  EXPECT_EQ(testing::OutcomeName(r), "INVALID_COMMAND");
  ASSERT_TRUE(r.key.has_value());
  EXPECT_EQ(*r.key, "k9");
  EXPECT_NE(r.message.find("purchaseId"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace ledger
