// Replay's check that every stored command is valid and in the canonical
// form the writer stores (ledger/audit/event_check.h): a command rewritten
// into another spelling of the same content (a time with an offset, a
// scope or alert thresholds out of order, a default written out) or made
// invalid, the hash chain and head recomputed so that only this check can
// find it, is named at its event, by one worker and by two; the ledger as
// the writer left it, with every one of those commands in canonical form,
// replays clean.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::RawLog;
using testing::TestLedger;

// One command of each canonical rewrite: seq 1 to 5.
constexpr const char* kCommands[] = {
    R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD"}})",
    R"({"key":"k2","customer":"c1","at":"2026-03-08T11:00:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":60}})",
    R"({"key":"k3","customer":"c2","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"tel","credits":100,"amount_minor":500,"currency":"USD","applies_to":["TELEPHONY_USAGE","PHONE_NUMBER_RENTAL"]}})",
    R"({"key":"k4","customer":"c1","at":"2026-03-08T12:00:00Z","set_alerts":{"thresholds":[{"code":"lower","credits":10},{"code":"low","credits":100}]}})",
    R"({"key":"k5","at":"2026-03-09T00:00:00Z","set_policy":{"version":"v2","refund_window_hours":87600,"inquiry_window_hours":87600,"clock_skew_seconds":60,"four_eyes":true}})",
};
constexpr uint64_t kHead = 5;

void WriteLedger(TestLedger& db) {
  for (const char* json : kCommands) ASSERT_EQ(db.Code(json), "ACCEPTED") << json;
  db.Close();
}

ReplayReport Replay(const std::string& dir, int threads) {
  ReplayOptions options;
  options.threads = threads;
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir, options);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : ReplayReport();
}

TEST(StoredCommandCheck, TheCanonicalCommandsAsStoredReplayClean) {
  TestLedger db;
  WriteLedger(db);
  for (int threads : {1, 2}) {
    ReplayReport report = Replay(db.dir(), threads);
    EXPECT_TRUE(report.ok) << threads << " threads: " << report.problem;
  }
}

TEST(StoredCommandCheck, ACommandNotValidAndCanonicalIsNamedAtItsEvent) {
  struct Damage {
    std::string name;
    uint64_t seq;
    std::function<void(v1::Command&)> change;
  };
  const std::vector<Damage> damages = {
      {"the same time with an offset", 2,
       [](v1::Command& c) { c.set_at("2026-03-08T12:00:00+01:00"); }},
      {"the same time with a zero fraction", 2,
       [](v1::Command& c) { c.set_at("2026-03-08T11:00:00.000Z"); }},
      {"a scope out of order", 3,
       [](v1::Command& c) {
         auto* scope = c.mutable_purchase()->mutable_applies_to();
         std::reverse(scope->begin(), scope->end());
       }},
      {"alert thresholds out of order", 4,
       [](v1::Command& c) {
         auto* thresholds = c.mutable_set_alerts()->mutable_thresholds();
         std::reverse(thresholds->begin(), thresholds->end());
       }},
      {"a clock skew of zero written out", 5,
       [](v1::Command& c) { c.mutable_set_policy()->set_clock_skew_seconds(0); }},
      {"four-eyes off written out", 5,
       [](v1::Command& c) { c.mutable_set_policy()->set_four_eyes(false); }},
      {"an invalid command", 2,
       [](v1::Command& c) { c.mutable_use()->set_credits(0); }},
  };
  for (const Damage& damage : damages) {
    SCOPED_TRACE(damage.name);
    TestLedger db;
    WriteLedger(db);
    RawLog(db.dir()).RewriteFrom(damage.seq, kHead, [&](v1::Event& event) {
      damage.change(*event.mutable_command());
    });
    for (int threads : {1, 2}) {
      ReplayReport report = Replay(db.dir(), threads);
      EXPECT_FALSE(report.ok) << threads << " threads";
      EXPECT_EQ(report.first_bad_seq, damage.seq) << threads << " threads";
      EXPECT_THAT(report.problem, HasSubstr("the stored command is not valid and canonical"))
          << threads << " threads";
    }
  }
}

}  // namespace
}  // namespace ledger
