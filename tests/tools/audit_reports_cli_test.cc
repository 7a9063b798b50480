// `ledgerctl rejections` and `ledgerctl refunds` as an auditor runs them
// (LEDGERCTL_PATH), on the refund scenario of docs/audit.md and a
// compensation scenario, in every --format.
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A text row's cells: the text format pads its columns with spaces.
std::vector<std::string> Cells(const std::string& row) {
  return absl::StrSplit(row, ' ', absl::SkipEmpty());
}

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

  // The text format holds the same row, a cell per column ("-" for none).
  const std::vector<std::string> text = SplitLines(Run("refunds --db " + db_));
  ASSERT_EQ(text.size(), 5u);  // header and four refunds
  EXPECT_THAT(Cells(text[0]),
              ElementsAre("customer", "refund_id", "purchase_id", "state",
                          "requested_at", "requested_seq", "requester",
                          "policy_version", "window_hours", "window_ends",
                          "decided_at", "decided_seq", "reviewer", "deny_cause",
                          "deny_reason", "credits", "cash_minor", "currency"));
  EXPECT_THAT(Cells(text[1]),
              ElementsAre("c1", "r1", "p1", "APPROVED", "2026-03-15T10:00:00Z",
                          "3", "support-desk", "2026-03-07", "168",
                          "2026-03-15T10:00:00Z", "2026-03-16T10:00:00Z", "4",
                          "support-desk", "-", "-", "999", "2996", "USD"));
}

// Who asked and who decided come from two events, each with its own actor:
// the report must not take one for the other.
TEST_F(AuditReportsCli, RefundsTellTheRequesterFromTheReviewerInEveryFormat) {
  db_ = dir_.path() + "/db";
  const std::string asks = dir_.path() + "/asks.jsonl";
  const std::string decides = dir_.path() + "/decides.jsonl";
  WriteFile(
      asks,
      R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":100,"amount_minor":1000,"currency":"USD"}})"
      "\n"
      R"({"key":"k2","customer":"c1","at":"2026-03-09T10:00:00Z","request_refund":{"refund_id":"r1","purchase_id":"p1"}})"
      "\n");
  WriteFile(
      decides,
      R"({"key":"k3","customer":"c1","at":"2026-03-09T11:00:00Z","approve_refund":{"refund_id":"r1"}})"
      "\n");
  std::string out;
  ASSERT_EQ(
      RunLedgerctl("apply --actor support-desk --db " + db_ + " " + asks, &out),
      0)
      << out;
  ASSERT_EQ(RunLedgerctl(
                "apply --actor finance-lead --db " + db_ + " " + decides, &out),
            0)
      << out;

  const auto doc =
      ParseJsonObject(Run("refunds --db " + db_ + " --format json"));
  const auto& rows = doc.fields().at("refunds").list_value();
  ASSERT_EQ(rows.values_size(), 1);
  EXPECT_EQ(
      rows.values(0).struct_value().fields().at("requester").string_value(),
      "support-desk");
  EXPECT_EQ(
      rows.values(0).struct_value().fields().at("reviewer").string_value(),
      "finance-lead");
  const std::vector<std::string> jsonl =
      SplitLines(Run("refunds --db " + db_ + " --format jsonl"));
  ASSERT_EQ(jsonl.size(), 1u);
  const auto row = ParseJsonObject(jsonl[0]);
  EXPECT_EQ(row.fields().at("requester").string_value(), "support-desk");
  EXPECT_EQ(row.fields().at("reviewer").string_value(), "finance-lead");
  const std::vector<std::string> csv =
      SplitLines(Run("refunds --db " + db_ + " --format csv"));
  ASSERT_EQ(csv.size(), 2u);
  EXPECT_THAT(
      csv[1],
      StartsWith("c1,r1,p1,APPROVED,2026-03-09T10:00:00Z,2,support-desk,"));
  EXPECT_THAT(csv[1], HasSubstr(",2026-03-09T11:00:00Z,3,finance-lead,"));
  const std::vector<std::string> text = SplitLines(Run("refunds --db " + db_));
  ASSERT_EQ(text.size(), 2u);
  const std::vector<std::string> cells = Cells(text[1]);
  ASSERT_EQ(cells.size(), 18u) << text[1];
  EXPECT_EQ(cells[6], "support-desk");
  EXPECT_EQ(cells[12], "finance-lead");
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
  const std::vector<std::string> jsonl = SplitLines(
      Run("refunds --db " + db_ + " --compensations --format jsonl"));
  ASSERT_EQ(jsonl.size(), lines.size() - 1);
  for (const std::string& line : jsonl) {
    const auto row = ParseJsonObject(line);
    EXPECT_NE(row.fields().at("verified_by").string_value(), "") << line;
    EXPECT_EQ(row.fields().at("actor").string_value(), "support-desk") << line;
  }
  EXPECT_THAT(lines[1],
              StartsWith("c1,a1,u1,60,ops:alice ticket #4711,support-desk,"));
  const std::vector<std::string> text =
      SplitLines(Run("refunds --db " + db_ + " --compensations"));
  ASSERT_EQ(text.size(), lines.size());
  EXPECT_THAT(text[0], StartsWith("customer "));
  EXPECT_THAT(text[0], HasSubstr("verified_by"));
  EXPECT_THAT(text[1], HasSubstr("ops:alice ticket #4711  support-desk"));
}

}  // namespace
}  // namespace ledger::testing
