// The time options of every ledgerctl command (docs/ledgerctl.md, "Times"):
// a date alone is its midnight UTC, a period [--from, --to) takes the event
// dated at --from and leaves the one dated at --to to the next period, and
// an instant (--at, --as-of) includes the events dated at it. The ledger's
// events fall exactly on midnights, so each boundary is tested where it
// bites.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// c1 buys 100 credits at midnight of 8 March (they expire at midnight of
// 11 March), uses 10 at midnight of 9 March and 20 at midnight of 10 March.
class TimeOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.path() + "/db";
    const std::string input = dir_.path() + "/in.jsonl";
    WriteFile(input,
              R"({"key":"k1","customer":"c1","at":"2026-03-08T00:00:00Z","purchase":{"purchase_id":"p1","credits":100,"amount_minor":1000,"currency":"USD","expires_at":"2026-03-11T00:00:00Z"}})"
              "\n"
              R"({"key":"k2","customer":"c1","at":"2026-03-09T00:00:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":10}})"
              "\n"
              R"({"key":"k3","customer":"c1","at":"2026-03-10T00:00:00Z","use":{"usage_id":"u2","category":"AI_PROCESSING","credits":20}})"
              "\n");
    std::string out;
    ASSERT_EQ(RunLedgerctl(absl::StrCat("apply --db ", db_, " ", input), &out), 0);
  }

  // Runs `ledgerctl COMMAND --db DB ARGS`; expects `exit`.
  std::string Run(const std::string& command, const std::string& args,
                  int exit = 0) {
    std::string out;
    EXPECT_EQ(RunLedgerctl(absl::StrCat(command, " --db ", db_, " ", args), &out,
                           Stderr::kIntoOut),
              exit)
        << command << " " << args << "\n" << out;
    return out;
  }

  // The same command with a date alone and with that date's midnight
  // prints the same; the date's output is returned.
  std::string SameAsMidnight(const std::string& command,
                             const std::string& before,
                             const std::string& after = "") {
    const std::string date = Run(command, before + "2026-03-09" + after);
    EXPECT_EQ(date, Run(command, before + "2026-03-09T00:00:00Z" + after))
        << command;
    return date;
  }

  TempDir dir_;
  std::string db_;
};

TEST_F(TimeOptions, StatementTakesTheEventAtFromAndLeavesTheOneAtTo) {
  const std::string out = SameAsMidnight(
      "statement", "--customer c1 --format json --from ", " --to 2026-03-10");
  const google::protobuf::Struct json = ParseJsonObject(out);
  const auto& events = json.fields().at("events").list_value().values();
  ASSERT_EQ(events.size(), 1) << out;
  EXPECT_EQ(events[0].struct_value().fields().at("key").string_value(), "k2");
  auto in_lots = [&](const char* which) {
    return json.fields().at(which).struct_value().fields().at("balance")
        .struct_value().fields().at("in_lots").number_value();
  };
  EXPECT_EQ(in_lots("opening"), 100);
  EXPECT_EQ(in_lots("closing"), 90);
}

TEST_F(TimeOptions, LiabilityTakesTheEventAtFromAndLeavesTheOneAtTo) {
  const std::string out =
      SameAsMidnight("liability", "--format csv --from ", " --to 2026-03-10");
  // opening 100, used 10 (the use at --from), closing 90 (not the one at --to).
  EXPECT_THAT(out, HasSubstr("CREDITS:PURCHASE,100,0,10,0,0,0,0,0,90,0\r\n")) << out;
}

TEST_F(TimeOptions, ConsecutivePeriodsShareNoEvent) {
  const std::string first =
      Run("liability", "--format csv --from 2026-03-08 --to 2026-03-09");
  const std::string second =
      Run("liability", "--format csv --from 2026-03-09 --to 2026-03-10");
  EXPECT_THAT(first, HasSubstr("CREDITS:PURCHASE,0,100,0,0,0,0,0,0,100,0\r\n"));
  EXPECT_THAT(second, HasSubstr("CREDITS:PURCHASE,100,0,10,0,0,0,0,0,90,0\r\n"));
}

TEST_F(TimeOptions, RefundsTakeTheRequestAtFromAndLeaveTheOneAtTo) {
  // Refunds requested at midnight of 9 and of 10 March (a second purchase
  // each, so the first refund does not take the lot of the second).
  std::string out;
  const std::string input = dir_.path() + "/refunds.jsonl";
  WriteFile(input,
            R"({"key":"k4","customer":"c2","at":"2026-03-08T00:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":100,"currency":"USD"}})"
            "\n"
            R"({"key":"k5","customer":"c2","at":"2026-03-08T00:00:00Z","purchase":{"purchase_id":"p2","credits":10,"amount_minor":100,"currency":"USD"}})"
            "\n"
            R"({"key":"k6","customer":"c2","at":"2026-03-09T00:00:00Z","request_refund":{"refund_id":"r1","purchase_id":"p1"}})"
            "\n"
            R"({"key":"k7","customer":"c2","at":"2026-03-10T00:00:00Z","request_refund":{"refund_id":"r2","purchase_id":"p2"}})"
            "\n");
  ASSERT_EQ(RunLedgerctl(absl::StrCat("apply --db ", db_, " ", input), &out), 0)
      << out;
  ASSERT_THAT(out, Not(HasSubstr("REJECTED"))) << out;
  const std::string in_period =
      SameAsMidnight("refunds", "--format csv --from ", " --to 2026-03-10");
  EXPECT_THAT(in_period, HasSubstr(",r1,")) << in_period;
  EXPECT_THAT(in_period, Not(HasSubstr(",r2,"))) << in_period;
  const std::string next =
      Run("refunds", "--format csv --from 2026-03-10 --to 2026-03-11");
  EXPECT_THAT(next, HasSubstr(",r2,")) << next;
  EXPECT_THAT(next, Not(HasSubstr(",r1,"))) << next;
}

TEST_F(TimeOptions, RejectionsTakeTheRefusalRecordedAtFromAndLeaveTheOneAtTo) {
  // A refusal is recorded at the writer's clock: its own recorded_at is the
  // boundary, and its date alone is that date's midnight.
  std::string out;
  const std::string input = dir_.path() + "/refused.jsonl";
  WriteFile(input,
            R"({"key":"k9","customer":"c1","at":"2026-03-10T00:00:01Z","use":{"usage_id":"u9","category":"AI_PROCESSING","credits":100000}})"
            "\n");
  ASSERT_EQ(RunLedgerctl(absl::StrCat("apply --db ", db_, " ", input), &out), 0)
      << out;
  const google::protobuf::Struct all =
      ParseJsonObject(Run("rejections", "--format json"));
  const auto& refusals = all.fields().at("rejections").list_value().values();
  ASSERT_EQ(refusals.size(), 1);
  const std::string recorded =
      refusals[0].struct_value().fields().at("recorded_at").string_value();
  auto count = [&](const std::string& args) {
    return ParseJsonObject(Run("rejections", "--format json " + args))
        .fields().at("rejections").list_value().values_size();
  };
  EXPECT_EQ(count("--from " + recorded), 1) << recorded;
  EXPECT_EQ(count("--to " + recorded), 0) << recorded;
  const std::string date = recorded.substr(0, 10);
  EXPECT_EQ(Run("rejections", "--format csv --from " + date),
            Run("rejections", "--format csv --from " + date + "T00:00:00Z"));
  EXPECT_EQ(count("--from " + date), 1) << date;
  EXPECT_EQ(count("--to " + date), 0) << date;
}

TEST_F(TimeOptions, TrialBalanceAsOfADateIncludesTheEventsDatedAtItsMidnight) {
  const std::string out = SameAsMidnight("trial-balance", "--format json --as-of ");
  const google::protobuf::Struct json = ParseJsonObject(out);
  EXPECT_EQ(json.fields().at("events_summed").number_value(), 2) << out;
}

TEST_F(TimeOptions, ReplayAsOfADateIncludesTheEventsDatedAtItsMidnight) {
  const std::string out = SameAsMidnight("replay", "--format json --as-of ");
  EXPECT_EQ(ParseJsonObject(out).fields().at("events").number_value(), 2) << out;
}

TEST_F(TimeOptions, BalanceAtADateIsTheBalanceAtItsMidnight) {
  // The lot expires at midnight of 11 March: at that date it is gone, a
  // second before it is not.
  const std::string at_date =
      Run("balance", "--customer c1 --format text --at 2026-03-11");
  EXPECT_EQ(at_date, Run("balance", "--customer c1 --format text --at 2026-03-11T00:00:00Z"));
  EXPECT_NE(at_date, Run("balance", "--customer c1 --format text --at 2026-03-10T23:59:59Z"));
  SameAsMidnight("balance", "--customer c1 --at ");
}

TEST_F(TimeOptions, CustomersAndPolicyAtADateAnswerAtItsMidnight) {
  for (const char* command : {"customers", "policy"}) {
    const std::string out = SameAsMidnight(command, "--format json --at ");
    EXPECT_EQ(ParseJsonObject(out).fields().at("at").string_value(),
              "2026-03-09T00:00:00Z")
        << command;
  }
}

TEST_F(TimeOptions, EveryTimeOptionRefusesADateThatDoesNotExistAsBadUsage) {
  const std::string bad = "2026-02-30";
  for (const auto& [command, args] : std::vector<std::pair<std::string, std::string>>{
           {"statement", "--customer c1 --from " + bad},
           {"statement", "--customer c1 --to " + bad},
           {"liability", "--from " + bad + " --to 2026-04-01"},
           {"liability", "--from 2026-03-01 --to " + bad},
           {"trial-balance", "--as-of " + bad},
           {"replay", "--as-of " + bad},
           {"balance", "--customer c1 --at " + bad},
           {"customers", "--at " + bad},
           {"policy", "--at " + bad},
           {"refunds", "--from " + bad},
           {"refunds", "--to " + bad},
           {"rejections", "--from " + bad},
           {"rejections", "--to " + bad}}) {
    EXPECT_THAT(Run(command, args, 2), HasSubstr("'2026-02-30' is not a date"))
        << command << " " << args;
  }
}

}  // namespace
}  // namespace ledger::testing
