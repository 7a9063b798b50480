// A ledger written by the build before lots had a scope and a priority
// (docs/contract.md section 11) must open and answer exactly as it did:
// every lot of it is priority 50 and applies to every category, so its
// balances print byte for byte what that build printed, and replay, which
// judges every command again under the new consumption order, agrees with
// what that build decided.
//
// The fixture in tests/tools/testdata was made with that build's ledgerctl,
// `ledgerctl apply --db ledger_before_scoped_credits
// ledger_before_scoped_credits.commands.jsonl` (five scenarios, customers
// and keys prefixed), and
// ledger_before_scoped_credits.balances.jsonl holds its `ledgerctl balance`
// of every customer at two times. The folder's RocksDB files are copied
// before each use: opening a ledger writes to its folder.
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/time_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using testing::ParseJsonObject;
using testing::RunLedgerctl;
using testing::TempDir;

const std::string kFixture =
    std::string(SOURCE_DIR) + "/tests/tools/testdata/ledger_before_scoped_credits";

// A writable copy of the fixture ledger.
std::string CopyOfFixture(const TempDir& dir) {
  const std::string copy = dir.path() + "/ledger";
  fs::copy(kFixture, copy, fs::copy_options::recursive);
  return copy;
}


TEST(PreviousBuildLedger, AnswersEveryBalanceExactlyAsTheBuildThatWroteIt) {
  TempDir dir;
  const std::string db = CopyOfFixture(dir);
  const std::vector<std::string> expected = testing::SplitLines(
      [] {
        std::ifstream in(kFixture + ".balances.jsonl");
        return std::string(std::istreambuf_iterator<char>(in), {});
      }());
  ASSERT_GE(expected.size(), 20u);
  for (const std::string& line : expected) {
    google::protobuf::Struct query = ParseJsonObject(line);
    const std::string customer = query.fields().at("customer").string_value();
    const std::string at = query.fields().at("at").string_value();
    std::string out;
    ASSERT_EQ(RunLedgerctl(absl::StrCat("balance --db ", db, " --customer ", customer,
                                        " --at ", at),
                           &out),
              0)
        << customer;
    // Compared as JSON values (the order of members is no part of them);
    // no field may be added or lost (available_by_category, applies_to,
    // priority and voided have nothing to say about these lots).
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        ParseJsonObject(out), query.fields().at("balance").struct_value()))
        << customer << " at " << at << "\n" << out;
    EXPECT_EQ(out.find("priority"), std::string::npos) << out;
    EXPECT_EQ(out.find("available_by_category"), std::string::npos) << out;
  }
}

TEST(PreviousBuildLedger, ReplaysAndTakesNewCommandsInTheNewOrder) {
  TempDir dir;
  const std::string db = CopyOfFixture(dir);
  std::string out;
  ASSERT_EQ(RunLedgerctl("replay --db " + db, &out, testing::Stderr::kIntoOut), 0) << out;
  ASSERT_EQ(RunLedgerctl("verify --db " + db, &out, testing::Stderr::kIntoOut), 0) << out;

  // A promotional lot of priority 0 for one category, added to a customer
  // of the old build, goes first for that category only.
  auto opened = Ledger::Open(Options(), db);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Ledger& ledger = **opened;
  auto grant = ledger.SubmitJson(
      R"({"key":"new-1","customer":"co-c1","at":"2026-03-09T10:00:00Z",)"
      R"("grant":{"grant_id":"bonus","credits":5,"reason":"promotion",)"
      R"("applies_to":["VOICE_GENERATION"],"priority":0}})");
  ASSERT_TRUE(grant.ok()) << grant.status();
  ASSERT_EQ(grant->outcome, Outcome::kAccepted) << grant->message;
  auto use = ledger.SubmitJson(
      R"({"key":"new-2","customer":"co-c1","at":"2026-03-09T10:00:00Z",)"
      R"("use":{"usage_id":"new","category":"VOICE_GENERATION","credits":7}})");
  ASSERT_TRUE(use.ok()) << use.status();
  ASSERT_EQ(use->outcome, Outcome::kAccepted) << use->message;
  auto balance = ledger.GetBalance("co-c1", *ParseTimeUs("2026-03-09T10:00:00Z"));
  ASSERT_TRUE(balance.ok()) << balance.status();
  ASSERT_FALSE(balance->lots.empty());
  EXPECT_EQ(balance->lots[0].lot_id, "bonus");
  EXPECT_EQ(balance->lots[0].remaining, 0);
  EXPECT_EQ(balance->available, 68);  // 70 before, 5 granted, 7 used
  // The scoped lot is empty but counts as scoped until it expires.
  ASSERT_EQ(balance->available_by_category.size(), 7u);
  for (const CategoryCredits& c : balance->available_by_category) {
    EXPECT_EQ(c.credits, 68) << v1::Category_Name(c.category);
  }
  ASSERT_TRUE(ledger.Close().ok());
  ASSERT_EQ(RunLedgerctl("replay --db " + db, &out, testing::Stderr::kIntoOut), 0) << out;
}

}  // namespace
}  // namespace ledger
