// Replay decides the alerts and top-up requests of docs/contract.md section
// 12 again from the log and finds a tampered one (ledger/audit/replay.cc,
// FoldAndCheckFollowUp): a flipped alert state in an event, a request taken
// out of the log, and a flipped alert state in the stored projection, each
// with the hash chain made consistent again, as an attacker with the files
// would.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/v1/state.pb.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::RawLog;
using testing::TestLedger;

// Seq 3 triggers alert "low" and makes request topup-1.
void WriteAlertAndRequestAndClose(TestLedger& db) {
  for (const char* json : {
           R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD"}})",
           R"({"key":"k2","customer":"c1","at":"2026-03-08T10:01:00Z","set_alerts":{"thresholds":[{"code":"low","credits":500}]}})",
           R"({"key":"k3","customer":"c1","at":"2026-03-08T10:02:00Z","set_auto_top_up":{"below":400,"target":1000}})",
           R"({"key":"k4","customer":"c1","at":"2026-03-08T10:03:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":700}})",
           R"({"key":"k5","customer":"c1","at":"2026-03-08T10:04:00Z","use":{"usage_id":"u2","category":"AI_PROCESSING","credits":10}})",
       }) {
    ASSERT_EQ(db.Code(json), "ACCEPTED") << json;
  }
  db.Close();
}

ReplayReport Replay(const std::string& dir) {
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : ReplayReport();
}

TEST(ReplayAlerts, AnUntouchedLogWithAlertsAndARequestReplaysClean) {
  TestLedger db;
  WriteAlertAndRequestAndClose(db);
  ReplayReport report = Replay(db.dir());
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.events, 5u);
}

TEST(ReplayAlerts, AFlippedAlertStateInAnEventIsFoundAtItsSeq) {
  TestLedger db;
  WriteAlertAndRequestAndClose(db);
  {
    RawLog raw(db.dir());
    raw.RewriteFrom(4, 5, [](v1::Event& event) {
      bool flipped = false;
      for (v1::Effect& e : *event.mutable_effects()) {
        if (!e.has_threshold_crossed()) continue;
        e.mutable_threshold_crossed()->set_state(v1::RESOLVED);
        flipped = true;
      }
      ASSERT_TRUE(flipped) << "seq 4 should trigger the alert";
    });
  }
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 4u);
  EXPECT_THAT(report.problem, HasSubstr("balance alerts"));
}

TEST(ReplayAlerts, ATopUpRequestTakenOutOfTheLogIsFound) {
  TestLedger db;
  WriteAlertAndRequestAndClose(db);
  {
    RawLog raw(db.dir());
    raw.RewriteFrom(4, 5, [](v1::Event& event) {
      auto* effects = event.mutable_effects();
      ASSERT_TRUE(effects->rbegin()->has_top_up_requested());
      effects->RemoveLast();
    });
  }
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 4u);
  EXPECT_THAT(report.problem, HasSubstr("top-up request"));
}

TEST(ReplayAlerts, AFlippedAlertStateInTheStoredProjectionIsFound) {
  TestLedger db;
  WriteAlertAndRequestAndClose(db);
  {
    RawLog raw(db.dir());
    bool flipped = false;
    for (const auto& [key, value] : raw.Entries(kStateFamily)) {
      if (key.rfind(CustomerStatePrefix("c1"), 0) != 0 ||
          key.at(key.find('\0') + 1) != 'H') {
        continue;
      }
      v1::CustomerHeader header;
      ASSERT_TRUE(header.ParseFromString(value));
      ASSERT_EQ(header.alerts_size(), 1);
      ASSERT_TRUE(header.alerts(0).in_alert());
      header.mutable_alerts(0)->set_in_alert(false);
      raw.PutState(key, SerializeDeterministic(header));
      flipped = true;
    }
    ASSERT_TRUE(flipped);
  }
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_FALSE(report.problem.empty());
}

}  // namespace
}  // namespace ledger
