// docs/contract.md section 12: the alerts a command moved and the top-up
// request it made are stored in its event, so every view of the event
// (export, tail, statement) shows them as the command's apply line did,
// read from the log rather than recomputed. Run through the binary
// (LEDGERCTL_PATH) on the worked example of docs/alerts.md.
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

using ::testing::HasSubstr;

class AlertsViewsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string out;
    ASSERT_EQ(
        RunLedgerctl("apply --db " + db_ + " " + std::string(SCENARIO_DIR) +
                         "/alerts_worked_example_of_the_docs.jsonl",
                     &out),
        0)
        << out;
  }

  // The JSON lines of `args`' output that name a key, by key.
  std::map<std::string, google::protobuf::Struct> ByKey(
      const std::string& args) {
    std::map<std::string, google::protobuf::Struct> rows;
    for (const std::string& line : SplitLines(LedgerctlExpecting(args))) {
      google::protobuf::Struct row = ParseJsonObject(line);
      if (row.fields().contains("key")) {
        rows[row.fields().at("key").string_value()] = row;
      }
    }
    return rows;
  }

  // Checks w-10 (two thresholds resolved by the top-up's purchase),
  // w-11 (an alert and a request by one use) and w-12 (neither) in `rows`.
  void ExpectTheWorkedExample(
      const std::map<std::string, google::protobuf::Struct>& rows,
      const std::string& view) {
    SCOPED_TRACE(view);
    ASSERT_EQ(rows.size(), 14u);
    const auto& resolved = rows.at("w-10").fields();
    ASSERT_TRUE(resolved.contains("alerts"));
    const auto& moved = resolved.at("alerts").list_value();
    ASSERT_EQ(moved.values_size(), 2);  // by credits descending
    EXPECT_EQ(moved.values(0).struct_value().fields().at("code").string_value(),
              "low");
    EXPECT_EQ(
        moved.values(0).struct_value().fields().at("state").string_value(),
        "RESOLVED");
    EXPECT_EQ(moved.values(1).struct_value().fields().at("code").string_value(),
              "empty");
    EXPECT_EQ(
        moved.values(1).struct_value().fields().at("credits").number_value(),
        0);
    EXPECT_FALSE(resolved.contains("top_up"));

    const auto& both = rows.at("w-11").fields();
    ASSERT_TRUE(both.contains("alerts"));
    ASSERT_EQ(both.at("alerts").list_value().values_size(), 1);
    const auto& alert =
        both.at("alerts").list_value().values(0).struct_value().fields();
    EXPECT_EQ(alert.at("code").string_value(), "low");
    EXPECT_EQ(alert.at("credits").number_value(), 500);
    EXPECT_EQ(alert.at("state").string_value(), "TRIGGERED");
    ASSERT_TRUE(both.contains("top_up"));
    const auto& top_up = both.at("top_up").struct_value().fields();
    EXPECT_EQ(top_up.at("request_id").string_value(), "topup-2");
    EXPECT_EQ(top_up.at("credits").number_value(), 850);

    const auto& declined = rows.at("w-12").fields();
    EXPECT_FALSE(declined.contains("alerts"));
    EXPECT_FALSE(declined.contains("top_up"));
  }

  TempDir dir_;
  const std::string db_ = dir_.path() + "/db";
};

TEST_F(AlertsViewsCli, ExportTailAndStatementCarryWhatEachCommandMoved) {
  ExpectTheWorkedExample(ByKey("export --db " + db_ + " --format jsonl"),
                         "export");
  ExpectTheWorkedExample(ByKey("tail --db " + db_ + " --from-seq 1"), "tail");
  ExpectTheWorkedExample(
      ByKey("statement --db " + db_ + " --customer c1 --format jsonl"),
      "statement jsonl");
  EXPECT_THAT(LedgerctlExpecting("statement --db " + db_ + " --customer c1"),
              HasSubstr("Used 850 credits for AUTOMATED_CALL (usage u3), alert "
                        "low (500 credits) triggered, top-up topup-2 requested "
                        "for 850 credits"));
}

}  // namespace
}  // namespace ledger::testing
