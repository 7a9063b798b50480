// The command line of docs/contract.md section 7 as a user sees it: help and
// usage errors, `apply` results line by line, `balance`, `replay` and a small
// `demo`, all run as a separate process (LEDGERCTL_PATH).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;


constexpr char kPurchase[] =
    R"({"key": "k-1", "customer": "c1", "at": "2026-03-08T10:00:00Z", )"
    R"("purchase": {"purchase_id": "p1", "credits": 1000, )"
    R"("amount_minor": 1999, "currency": "USD"}})";
constexpr char kTooMuchUse[] =
    R"({"key": "k-2", "customer": "c1", "at": "2026-03-08T10:05:00Z", )"
    R"("use": {"usage_id": "u1", "category": "AI_PROCESSING", )"
    R"("credits": 5000}})";

const Value& Field(const Struct& object, const std::string& name) {
  static const Value* const kMissing = new Value();
  auto it = object.fields().find(name);
  EXPECT_NE(it, object.fields().end()) << "no field " << name;
  return it == object.fields().end() ? *kMissing : it->second;
}

TEST(LedgerctlCliTest, HelpPrintsUsageAndExitsZeroForTheToolAndEachCommand) {
  for (const char* args : {"--help", "-h", "help", "apply --help",
                           "balance --help", "replay --help", "demo --help",
                           "tail --help", "apply -h"}) {
    std::string out;
    EXPECT_EQ(RunLedgerctl(args, &out), 0) << args;
    EXPECT_NE(out.find("usage: ledgerctl"), std::string::npos) << args;
  }
}

TEST(LedgerctlCliTest, BadUsageExitsTwoWithNothingOnStdout) {
  for (const char* args :
       {"", "frobnicate", "apply", "apply --db", "apply --db d --bogus x",
        "balance --db d", "replay", "demo --threads 0", "demo --seed x",
        "apply --db d a b"}) {
    std::string out;
    EXPECT_EQ(RunLedgerctl(args, &out), 2) << args;
    EXPECT_EQ(out, "") << args;
  }
}

TEST(LedgerctlCliTest, ApplyWritesOneResultPerNonBlankLineInOrder) {
  TempDir dir;
  const std::string input = dir.path() + "/in.jsonl";
  WriteFile(input, std::string(kPurchase) + "\n\nthis is not json\n  \t\n" +
                       kTooMuchUse + "\r\n" + kPurchase);  // no final newline
  std::string out;
  ASSERT_EQ(RunLedgerctl("apply --db " + dir.path() + "/db " + input, &out), 0);
  std::vector<std::string> lines = SplitLines(out);
  ASSERT_EQ(lines.size(), 4u) << out;

  Struct accepted = ParseJsonObject(lines[0]);
  EXPECT_EQ(Field(accepted, "key").string_value(), "k-1");
  EXPECT_EQ(Field(accepted, "status").string_value(), "ACCEPTED");
  EXPECT_GT(Field(accepted, "seq").number_value(), 0);
  EXPECT_EQ(accepted.fields().count("duplicate"), 0u);

  Struct not_json = ParseJsonObject(lines[1]);
  EXPECT_EQ(Field(not_json, "key").kind_case(), Value::kNullValue);
  EXPECT_EQ(Field(not_json, "status").string_value(), "REJECTED");
  EXPECT_EQ(Field(not_json, "code").string_value(), "INVALID_COMMAND");
  EXPECT_NE(Field(not_json, "message").string_value(), "");

  Struct rejected = ParseJsonObject(lines[2]);
  EXPECT_EQ(Field(rejected, "key").string_value(), "k-2");
  EXPECT_EQ(Field(rejected, "code").string_value(), "INSUFFICIENT_CREDITS");

  Struct duplicate = ParseJsonObject(lines[3]);
  EXPECT_EQ(Field(duplicate, "status").string_value(), "ACCEPTED");
  EXPECT_EQ(Field(duplicate, "seq").number_value(),
            Field(accepted, "seq").number_value());
  EXPECT_TRUE(Field(duplicate, "duplicate").bool_value());
}

TEST(LedgerctlCliTest, ApplyReadsStandardInput) {
  TempDir dir;
  std::string out;
  const std::string input = dir.path() + "/in.jsonl";
  WriteFile(input, std::string(kPurchase) + "\n");
  ASSERT_EQ(RunLedgerctl("apply --db " + dir.path() + "/db < " + input, &out), 0);
  ASSERT_EQ(SplitLines(out).size(), 1u) << out;
  EXPECT_EQ(Field(ParseJsonObject(SplitLines(out)[0]), "status").string_value(),
            "ACCEPTED");
}

TEST(LedgerctlCliTest, ApplyRejectsAnOverlongLineAndGoesOn) {
  TempDir dir;
  const std::string input = dir.path() + "/in.jsonl";
  const std::string big = R"({"key": "big", "customer": "c1", "x": ")" +
                          std::string(200 * 1024, 'a') + "\"}";
  WriteFile(input, big + "\n" + kPurchase + "\n");
  std::string out;
  ASSERT_EQ(RunLedgerctl("apply --db " + dir.path() + "/db " + input, &out), 0);
  std::vector<std::string> lines = SplitLines(out);
  ASSERT_EQ(lines.size(), 2u) << out.substr(0, 400);
  Struct too_long = ParseJsonObject(lines[0]);
  EXPECT_EQ(Field(too_long, "key").kind_case(), Value::kNullValue);
  EXPECT_EQ(Field(too_long, "code").string_value(), "INVALID_COMMAND");
  EXPECT_EQ(Field(ParseJsonObject(lines[1]), "status").string_value(), "ACCEPTED");
}

TEST(LedgerctlCliTest, ApplyOfAMissingFileFails) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(RunLedgerctl("apply --db " + dir.path() + "/db " + dir.path() + "/nope",
                &out),
            1);
}

TEST(LedgerctlCliTest, BalancePrintsTheFieldsOfTheSpec) {
  TempDir dir;
  const std::string db = dir.path() + "/db";
  const std::string input = dir.path() + "/in.jsonl";
  WriteFile(input, std::string(kPurchase) + "\n");
  std::string out;
  ASSERT_EQ(RunLedgerctl("apply --db " + db + " " + input, &out), 0);
  ASSERT_EQ(RunLedgerctl("balance --db " + db +
                    " --customer c1 --at 2026-03-08T11:00:00Z",
                &out),
            0);
  ASSERT_EQ(SplitLines(out).size(), 1u) << out;
  Struct balance = ParseJsonObject(out);
  EXPECT_EQ(Field(balance, "customer").string_value(), "c1");
  EXPECT_EQ(Field(balance, "status").string_value(), "ACTIVE");
  EXPECT_EQ(Field(balance, "available").number_value(), 1000);
  EXPECT_EQ(Field(balance, "held").number_value(), 0);
  EXPECT_EQ(Field(balance, "refund_pending").number_value(), 0);
  const auto& lots = Field(balance, "lots").list_value().values();
  ASSERT_EQ(lots.size(), 1);
  const Struct& lot = lots[0].struct_value();
  EXPECT_EQ(Field(lot, "lot_id").string_value(), "p1");
  EXPECT_EQ(Field(lot, "source").string_value(), "PURCHASE");
  EXPECT_EQ(Field(lot, "granted").number_value(), 1000);
  EXPECT_EQ(Field(lot, "remaining").number_value(), 1000);
  EXPECT_EQ(Field(lot, "granted_at").string_value(), "2026-03-08T10:00:00Z");
  EXPECT_EQ(lot.fields().count("expires_at"), 0u);
  const Struct& refundable = Field(balance, "refundable").struct_value();
  EXPECT_EQ(Field(refundable, "credits").number_value(), 1000);
  const auto& cash = Field(refundable, "cash").list_value().values();
  ASSERT_EQ(cash.size(), 1);
  EXPECT_EQ(Field(cash[0].struct_value(), "currency").string_value(), "USD");
  EXPECT_EQ(Field(cash[0].struct_value(), "amount_minor").number_value(), 1999);
  EXPECT_EQ(balance.fields().count("subscription"), 0u);
}

TEST(LedgerctlCliTest, BalancePrintsExpiringPerDayAsItsLastField) {
  TempDir dir;
  const std::string db = dir.path() + "/db";
  const std::string input = dir.path() + "/in.jsonl";
  WriteFile(input,
            R"({"key": "k-1", "customer": "c1", "at": "2026-03-08T10:00:00Z", )"
            R"("purchase": {"purchase_id": "p1", "credits": 120, )"
            R"("amount_minor": 100, "currency": "USD", )"
            R"("expires_at": "2026-03-09T08:00:00Z"}})"
            "\n"
            R"({"key": "k-2", "customer": "c1", "at": "2026-03-08T10:00:00Z", )"
            R"("subscribe": {"period_id": "s1", "plan": "pro", "credits": 300, )"
            R"("amount_minor": 900, "currency": "USD", )"
            R"("period_end": "2026-03-20T10:00:00Z"}})"
            "\n");
  std::string out;
  ASSERT_EQ(RunLedgerctl("apply --db " + db + " " + input, &out), 0);
  ASSERT_EQ(RunLedgerctl("balance --db " + db +
                          " --customer c1 --at 2026-03-08T11:00:00Z",
                      &out),
            0);
  // Last, after the subscription: the fields of docs/contract.md section 6
  // keep their order.
  const size_t expiring = out.find("\"expiring\": [");
  ASSERT_NE(expiring, std::string::npos) << out;
  EXPECT_GT(expiring, out.find("\"subscription\""));
  EXPECT_EQ(out.substr(expiring),
            "\"expiring\": [{\"date\": \"2026-03-09\", \"credits\": 120}, "
            "{\"date\": \"2026-03-20\", \"credits\": 300}]}\n");
}

TEST(LedgerctlCliTest, BalanceOfAnUnknownCustomerFails) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(RunLedgerctl("apply --db " + dir.path() + "/db < /dev/null", &out), 0);
  EXPECT_EQ(RunLedgerctl("balance --db " + dir.path() + "/db --customer nobody", &out),
            1);
  EXPECT_EQ(out, "");
  RunLedgerctl("balance --db " + dir.path() + "/db --customer nobody", &out,
               Stderr::kIntoOut);
  EXPECT_NE(out.find("unknown customer 'nobody'"), std::string::npos) << out;
  EXPECT_NE(out.find("ledgerctl customers"), std::string::npos) << out;
}

TEST(LedgerctlCliTest, BalanceWithABadTimeIsBadUsage) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(RunLedgerctl("balance --db " + dir.path() +
                    "/db --customer c1 --at yesterday",
                &out),
            2);
}

TEST(LedgerctlCliTest, ReplayExitsZeroOnAGoodLedger) {
  TempDir dir;
  const std::string db = dir.path() + "/db";
  const std::string input = dir.path() + "/in.jsonl";
  WriteFile(input, std::string(kPurchase) + "\n" + kTooMuchUse + "\n");
  std::string out;
  ASSERT_EQ(RunLedgerctl("apply --db " + db + " " + input, &out), 0);
  EXPECT_EQ(RunLedgerctl("replay --db " + db, &out), 0) << out;
  EXPECT_NE(out.find("OK"), std::string::npos) << out;
}

TEST(LedgerctlCliTest, ReplayOfAnEmptyLedgerExitsZero) {
  TempDir dir;
  std::string out;
  // apply of no command makes an empty ledger; replay never creates one.
  ASSERT_EQ(RunLedgerctl("apply --db " + dir.path() + "/db < /dev/null", &out), 0);
  EXPECT_EQ(RunLedgerctl("replay --db " + dir.path() + "/db", &out), 0) << out;
}

TEST(LedgerctlCliTest, SmallDemoRunsAndItsReplayAndVerifyPass) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(RunLedgerctl("demo --db " + dir.path() +
                    "/demo --customers 40 --threads 2 --seed 7",
                &out),
            0)
      << out;
  EXPECT_NE(out.find("replay:                  OK"), std::string::npos)
      << out;
  EXPECT_NE(out.find("verify:                  OK (digest "), std::string::npos)
      << out;
  EXPECT_NE(out.find("AUTOMATED_CALL"), std::string::npos) << out;
}

TEST(LedgerctlCliTest, DemoRefusesToRemoveAFolderThatIsNotALedger) {
  TempDir dir;
  WriteFile(dir.path() + "/precious.txt", "keep me");
  std::string out;
  EXPECT_EQ(RunLedgerctl("demo --db " + dir.path() + " --customers 1", &out), 1);
  std::ifstream kept(dir.path() + "/precious.txt");
  EXPECT_TRUE(kept.good());
}

}  // namespace
}  // namespace ledger::testing
