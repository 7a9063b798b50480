// `ledgerctl audit-times` (docs/contract.md section 16): the events recorded
// more than --over after their `at`, grouped per actor, in every format.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/time_util.h"
#include "tests/test_util.h"
#include "tools/workload/command_builders.h"

namespace ledger {
namespace {

using testing::ParseJsonObject;
using testing::RunLedgerctl;
using testing::SplitLines;
using testing::TestLedger;

std::string Purchase(const std::string& customer, const std::string& at) {
  return absl::StrCat(R"({"key":"k-)", customer, R"(","customer":")", customer,
                      R"(","at":")", at,
                      R"(","purchase":{"purchase_id":"p1","credits":10,"amount_minor":100,"currency":"USD"}})");
}

// Recorded at noon: alice's purchase 2h after its `at`, bob's 4h after,
// carol's 30 minutes after.
class AuditTimesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.actor = "alice";
    const int64_t noon = *ParseTimeUs("2026-03-08T12:00:00Z");
    options.clock = [noon] { return noon; };
    TestLedger db(options);
    ASSERT_EQ(db.Code(Purchase("c1", "2026-03-08T10:00:00Z")), "ACCEPTED");
    std::vector<v1::Command> others = {
        workload::Purchase({.key = "k-c2", .customer = "c2",
                            .at = "2026-03-08T08:00:00Z", .purchase_id = "p1",
                            .credits = 10, .amount_minor = 100}),
        workload::Purchase({.key = "k-c3", .customer = "c3",
                            .at = "2026-03-08T11:30:00Z", .purchase_id = "p1",
                            .credits = 10, .amount_minor = 100})};
    ASSERT_TRUE(db->SubmitBatchAs(others, std::vector<std::string>{"bob", "carol"}).ok());
    dir_ = db.dir();
    db.Close();
    // TestLedger removes its folder: keep a copy for the tool.
    copy_ = dir_ + "-copy";
    std::string ignored;
    ASSERT_EQ(testing::RunCommand(absl::StrCat("cp -r ", dir_, " ", copy_), &ignored), 0);
  }
  void TearDown() override {
    std::string ignored;
    testing::RunCommand(absl::StrCat("rm -rf ", copy_), &ignored);
  }
  std::string Run(const std::string& args, int* rc = nullptr) {
    std::string out;
    const int status = RunLedgerctl(absl::StrCat("audit-times --db ", copy_, " ", args), &out);
    if (rc != nullptr) *rc = status;
    return out;
  }
  std::string dir_, copy_;
};

TEST_F(AuditTimesTest, ListsTheLateEventsPerActorAndLeavesTheTimelyOnesOut) {
  int rc = -1;
  const std::string text = Run("", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(text.find("2 of 3 events were recorded more than 1h"), std::string::npos) << text;
  EXPECT_NE(text.find("alice: 1 late, at most 2h"), std::string::npos) << text;
  EXPECT_NE(text.find("bob: 1 late, at most 4h"), std::string::npos) << text;
  EXPECT_EQ(text.find("carol"), std::string::npos) << text;
  EXPECT_NE(Run("--over 20m").find("carol: 1 late"), std::string::npos);
  EXPECT_NE(Run("--over 5h").find("0 of 3 events"), std::string::npos);
}

TEST_F(AuditTimesTest, EveryFormatHoldsTheSameEvents) {
  const google::protobuf::Struct json = ParseJsonObject(Run("--format json"));
  ASSERT_EQ(json.fields().at("actors").list_value().values_size(), 2);
  const auto& bob = json.fields().at("actors").list_value().values(1).struct_value();
  EXPECT_EQ(bob.fields().at("actor").string_value(), "bob");
  EXPECT_EQ(bob.fields().at("max_late_seconds").number_value(), 4 * 3600);
  const std::vector<std::string> jsonl = SplitLines(Run("--format jsonl"));
  ASSERT_EQ(jsonl.size(), 2u);
  EXPECT_EQ(ParseJsonObject(jsonl[0]).fields().at("actor").string_value(), "alice");
  EXPECT_EQ(ParseJsonObject(jsonl[0]).fields().at("recorded_at").string_value(),
            "2026-03-08T12:00:00Z");
  const std::vector<std::string> csv = SplitLines(Run("--format csv"));
  ASSERT_EQ(csv.size(), 3u);
  EXPECT_EQ(csv[0], "actor,seq,key,customer,kind,at,recorded_at,late_seconds\r");
  EXPECT_EQ(csv[2], "bob,2,k-c2,c2,purchase,2026-03-08T08:00:00Z,2026-03-08T12:00:00Z,14400\r");
}

TEST_F(AuditTimesTest, ABadDurationIsAUsageError) {
  int rc = -1;
  Run("--over soon", &rc);
  EXPECT_EQ(rc, 2);
}

}  // namespace
}  // namespace ledger
