// `ledgerctl rejections` and `ledgerctl refunds` as an auditor runs them
// (LEDGERCTL_PATH), on the refund scenario of docs/audit.md and a
// compensation scenario, in every --format.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class AuditReportsCli : public ::testing::Test {
 protected:
  void Apply(const std::string& scenario) {
    db_ = dir_.path() + "/db";
    std::string out;
    // One named actor, so the reports' actor columns have something to show.
    ASSERT_EQ(RunLedgerctl("apply --actor support-desk --db " + db_ + " " +
                               std::string(SCENARIO_DIR) +
                               "/" + scenario,
                           &out),
              0)
        << out;
  }
  std::string Run(const std::string& args, int expected_exit = 0) {
    return LedgerctlExpecting(args, expected_exit);
  }
  TempDir dir_;
  std::string db_;
};

TEST_F(AuditReportsCli, RejectionsListsEveryRefusalOfTheScenarioInEachFormat) {
  Apply("refund_within_seven_days.jsonl");
  const std::string text = Run("rejections --db " + db_);
  EXPECT_THAT(text, StartsWith("recorded_at "));
  EXPECT_THAT(text, HasSubstr("re-7   request_refund  REFUND_ALREADY_REQUESTED"));
  EXPECT_EQ(SplitLines(text).size(), 4u);  // header and three refusals
  const std::string csv = Run("rejections --db " + db_ + " --format csv");
  EXPECT_THAT(csv, StartsWith("recorded_at,customer,key,kind,code,message,actor,at\r\n"));
  EXPECT_THAT(csv, HasSubstr(",c2,re-9,approve_refund,REFUND_NOT_PENDING,refund r1 of "
                             "customer c2 is already denied,support-desk,"
                             "2026-03-09T11:01:00Z\r\n"));
  const std::string jsonl =
      Run("rejections --db " + db_ + " --format jsonl --code DUPLICATE_ID");
  ASSERT_EQ(SplitLines(jsonl).size(), 1u);
  const auto row = ParseJsonObject(SplitLines(jsonl)[0]);
  EXPECT_EQ(row.fields().at("key").string_value(), "re-10");
  EXPECT_EQ(row.fields().at("code").string_value(), "DUPLICATE_ID");
  const auto doc = ParseJsonObject(Run("rejections --db " + db_ + " --format json --customer c1"));
  EXPECT_EQ(doc.fields().at("rejections").list_value().values_size(), 0);
  EXPECT_THAT(Run("rejections --db " + db_ + " --customer c1"),
              HasSubstr("no rejections recorded"));
  EXPECT_THAT(Run("rejections --db " + db_ + " --code NO_SUCH", 2),
              HasSubstr("is not a rejection code"));
  EXPECT_THAT(Run("rejections --db " + dir_.path() + "/nowhere", 1),
              HasSubstr("no ledger in"));
}

TEST_F(AuditReportsCli, RefundsShowsEachRefundWithItsWindowDecisionAndCash) {
  Apply("refund_within_seven_days.jsonl");
  const auto doc = ParseJsonObject(Run("refunds --db " + db_ + " --format json"));
  const auto& rows = doc.fields().at("refunds").list_value();
  ASSERT_EQ(rows.values_size(), 4);
  const auto& c1 = rows.values(0).struct_value().fields();
  EXPECT_EQ(c1.at("customer").string_value(), "c1");
  EXPECT_EQ(c1.at("state").string_value(), "APPROVED");
  EXPECT_EQ(c1.at("credits").number_value(), 999);
  EXPECT_EQ(c1.at("cash_minor").number_value(), 2996);
  EXPECT_EQ(c1.at("currency").string_value(), "USD");
  EXPECT_EQ(c1.at("window_hours").number_value(), 168);
  EXPECT_EQ(c1.at("decided_seq").number_value(), 4);
  EXPECT_EQ(c1.at("requester").string_value(), "support-desk");
  EXPECT_EQ(c1.at("reviewer").string_value(), "support-desk");
  const auto& c2 = rows.values(1).struct_value().fields();
  EXPECT_EQ(c2.at("state").string_value(), "DENIED");
  EXPECT_EQ(c2.at("deny_cause").string_value(), "DENY_REQUESTED");
  EXPECT_EQ(c2.at("cash_minor").number_value(), 0);

  const std::string pending = Run("refunds --db " + db_ + " --state PENDING --format csv");
  ASSERT_EQ(SplitLines(pending).size(), 2u) << pending;
  EXPECT_THAT(SplitLines(pending)[1], StartsWith("c2,r2,p1,PENDING,"));
  EXPECT_EQ(SplitLines(Run("refunds --db " + db_ + " --format jsonl --from "
                           "2026-03-09T00:00:00Z --to 2026-03-10T00:00:00Z"))
                .size(),
            2u);  // c2's two requests
  EXPECT_THAT(Run("refunds --db " + db_ + " --state MAYBE", 2),
              HasSubstr("is not PENDING, APPROVED or DENIED"));
}

TEST_F(AuditReportsCli, CompensationsShowWhoVerifiedThem) {
  Apply("technical_error_compensated_in_credits.jsonl");
  const std::string csv = Run("refunds --db " + db_ + " --compensations --format csv");
  const std::vector<std::string> lines = SplitLines(csv);
  ASSERT_GE(lines.size(), 2u) << csv;
  EXPECT_EQ(lines[0], "customer,adjustment_id,usage_id,credits,verified_by,actor,at,seq\r");
  const auto doc = ParseJsonObject(Run("refunds --db " + db_ + " --compensations --format json"));
  const auto& rows = doc.fields().at("compensations").list_value();
  ASSERT_EQ(static_cast<size_t>(rows.values_size()), lines.size() - 1);
  EXPECT_NE(rows.values(0).struct_value().fields().at("verified_by").string_value(), "");
  EXPECT_THAT(Run("refunds --db " + db_ + " --compensations"), HasSubstr("verified_by"));
}

}  // namespace
}  // namespace ledger::testing
