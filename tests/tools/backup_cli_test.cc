// `ledgerctl backup` (docs/ledgerctl.md, docs/operations.md "Backup"): a
// copy that `digest`, `replay` and `verify` accept, busy (exit 3, saying
// to ask the writing process) beside a live writer, a refused target, and
// a cluster node's folder copied partition by partition.
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// c1 buys 1000 credits (the first of the four events of test_util.h).
constexpr const char* kPurchase = kFourEventCommands[0];
constexpr char kUse[] =
    R"({"key":"k2","customer":"c1","at":"2026-03-08T13:00:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":10}})";

TEST(BackupCli, TheCopyHasTheLedgersDigestAndPassesReplayAndVerify) {
  TestLedger db;
  ASSERT_EQ(db.Code(kPurchase), "ACCEPTED");
  ASSERT_EQ(db.Code(kUse), "ACCEPTED");
  db.Close();
  TempDir out;
  const std::string to = out.path() + "/copy";
  LedgerctlRun run = RunLedgerctlApart("backup --db " + db.dir() + " --to " + to);
  ASSERT_EQ(run.code, 0) << run.err;
  LedgerctlRun digest = RunLedgerctlApart("digest --db " + db.dir());
  ASSERT_EQ(digest.code, 0) << digest.err;
  EXPECT_EQ(run.out, "dir: " + to + "\ndigest: " + digest.out);
  LedgerctlRun copy_digest = RunLedgerctlApart("digest --db " + to);
  EXPECT_EQ(copy_digest.out, digest.out);
  EXPECT_EQ(RunLedgerctlApart("replay --db " + to).code, 0);
  EXPECT_EQ(RunLedgerctlApart("verify --db " + to + " --digest " + digest.out).code, 0);

  // json: one document.
  LedgerctlRun json = RunLedgerctlApart("backup --db " + db.dir() + " --to " + out.path() +
                          "/second --format json");
  ASSERT_EQ(json.code, 0) << json.err;
  google::protobuf::Struct doc = ParseJsonObject(json.out);
  EXPECT_EQ(doc.fields().at("seq").number_value(), 2);
  EXPECT_EQ(doc.fields().at("digest").string_value() + "\n", digest.out);
}

TEST(BackupCli, BesideALiveWriterItIsBusyAndSaysToAskTheWriter) {
  TestLedger db;
  ASSERT_EQ(db.Code(kPurchase), "ACCEPTED");
  TempDir out;
  LedgerctlRun run =
      RunLedgerctlApart("backup --db " + db.dir() + " --to " + out.path() + "/copy");
  EXPECT_EQ(run.code, 3) << run.err;
  EXPECT_EQ(SplitLines(run.err).size(), 1u) << run.err;
  EXPECT_THAT(run.err, HasSubstr("Backup RPC"));
  EXPECT_FALSE(fs::exists(out.path() + "/copy"));
  EXPECT_EQ(db.Code(kUse), "ACCEPTED");  // the writer goes on
}

TEST(BackupCli, AnExistingTargetFailsAndIsLeftAlone) {
  TestLedger db;
  ASSERT_EQ(db.Code(kPurchase), "ACCEPTED");
  db.Close();
  TempDir out;
  WriteFile(out.path() + "/copy", "mine\n");
  LedgerctlRun run =
      RunLedgerctlApart("backup --db " + db.dir() + " --to " + out.path() + "/copy");
  EXPECT_EQ(run.code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("exists"));
  EXPECT_EQ(RunLedgerctlApart("backup --db " + db.dir()).code, 2);  // --to missing
}

TEST(BackupCli, ANodeFolderIsCopiedPartitionByPartition) {
  TempDir node;
  for (const char* p : {"p0", "p1"}) {
    TestLedger part;
    ASSERT_EQ(part.Code(kPurchase), "ACCEPTED");
    part.Close();
    fs::copy(part.dir(), node.path() + "/" + p, fs::copy_options::recursive);
  }
  WriteFile(node.path() + "/CLUSTER", "partitions 2\n");
  TempDir out;
  const std::string to = out.path() + "/node";
  LedgerctlRun run = RunLedgerctlApart("backup --db " + node.path() + " --to " + to);
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(RunLedgerctlApart("digest --db " + to).out,
            RunLedgerctlApart("digest --db " + node.path()).out);
  std::ifstream marker(to + "/CLUSTER");
  std::string line;
  std::getline(marker, line);
  EXPECT_EQ(line, "partitions 2");
}

}  // namespace
}  // namespace ledger::testing
