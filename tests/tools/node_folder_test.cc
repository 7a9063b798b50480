// ledgerctl on a cluster node's folder (tools/ledgerctl/node_folder_routing.h,
// docs/ledgerctl.md "On a cluster node's folder"), and the folder's layout
// (ledger/base/node_folder.h). The node folder is built here as ledgerd
// builds it: a CLUSTER marker and one plain ledger per partition, each fed
// only its own customers, so every routing decision is checked without a
// cluster running.
#include "ledger/base/node_folder.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

constexpr int kPartitions = 4;

std::string Purchase(const std::string& customer, int credits) {
  return absl::StrCat(R"({"key": "k-)", customer, R"(", "customer": ")",
                      customer, R"(", "at": "2026-03-08T10:00:00Z", )",
                      R"("purchase": {"purchase_id": "p1", "credits": )",
                      credits, R"(, "amount_minor": 100, "currency": "USD"}})");
}

// A node folder of kPartitions partitions holding customers c0..c7 (c<i>
// with 100 + i credits), each in the partition FNV-1a sends it to, with
// the partitions in `hosted` only.
class NodeFolder {
 public:
  explicit NodeFolder(std::vector<int> hosted = {0, 1, 2, 3}) {
    std::filesystem::create_directories(dir());
    WriteFile(dir() + "/CLUSTER", NodeMarkerText(kPartitions));
    std::vector<std::string> lines(kPartitions);
    for (int i = 0; i < 8; ++i) {
      const std::string c = absl::StrCat("c", i);
      lines[PartitionOf(c, kPartitions)] += Purchase(c, 100 + i) + "\n";
    }
    for (int p : hosted) {
      const std::string input = absl::StrCat(tmp_.path(), "/in", p, ".jsonl");
      WriteFile(input, lines[p]);
      std::string out;
      EXPECT_EQ(RunLedgerctl(absl::StrCat("apply --db ", PartitionFolder(dir(), p),
                                          " ", input), &out), 0);
    }
  }
  std::string dir() const { return tmp_.path() + "/node"; }

 private:
  TempDir tmp_;
};

TEST(NodeFolderLayoutTest, PartitionOfIsFnv1a64OfTheIdModP) {
  // The published FNV-1a 64 test vectors.
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
  EXPECT_EQ(PartitionOf("a", 4), static_cast<int>(0xaf63dc4c8601ec8cull % 4));
  EXPECT_EQ(PartitionOf("anything", 1), 0);
}

TEST(NodeFolderLayoutTest, TheMarkerRecordsThePartitionCountAndAPlainFolderHasNone) {
  TempDir dir;
  EXPECT_TRUE(absl::IsNotFound(ReadNodePartitions(dir.path()).status()));
  WriteFile(dir.path() + "/CLUSTER", NodeMarkerText(16));
  ASSERT_TRUE(ReadNodePartitions(dir.path()).ok());
  EXPECT_EQ(*ReadNodePartitions(dir.path()), 16);
  EXPECT_EQ(PartitionFolder(dir.path(), 3), dir.path() + "/p3");
  for (const char* bad : {"partitions 0\n", "partitions 257\n", "shards 4\n",
                          "partitions 4 5\n", ""}) {
    WriteFile(dir.path() + "/CLUSTER", bad);
    EXPECT_TRUE(absl::IsDataLoss(ReadNodePartitions(dir.path()).status())) << bad;
  }
}

TEST(NodeFolderCliTest, BalanceAndStatementOfACustomerReadItsPartition) {
  NodeFolder node;
  for (int i = 0; i < 8; ++i) {
    std::string out;
    ASSERT_EQ(RunLedgerctl(absl::StrCat("balance --db ", node.dir(),
                                        " --customer c", i), &out), 0) << i;
    EXPECT_NE(out.find(absl::StrCat("\"available\": ", 100 + i)),
              std::string::npos) << out;
  }
  std::string out;
  ASSERT_EQ(RunLedgerctl("statement --db " + node.dir() + " --customer c5", &out), 0);
  EXPECT_NE(out.find("Statement of customer c5"), std::string::npos) << out;
  // The same partition named explicitly is accepted; another one is not.
  const int home = PartitionOf("c5", kPartitions);
  EXPECT_EQ(RunLedgerctl(absl::StrCat("balance --db ", node.dir(),
                                      " --customer c5 --partition ", home), &out), 0);
  EXPECT_EQ(RunLedgerctl(absl::StrCat("balance --db ", node.dir(),
                                      " --customer c5 --partition=", (home + 1) % 4),
                         &out, Stderr::kIntoOut), 2);
  EXPECT_NE(out.find(absl::StrCat("is in partition ", home)), std::string::npos) << out;
}

TEST(NodeFolderCliTest, DigestPrintsOneLinePerPartitionAndJsonCarriesThePartition) {
  NodeFolder node;
  std::string out;
  ASSERT_EQ(RunLedgerctl("digest --db " + node.dir(), &out), 0);
  std::vector<std::string> lines = SplitLines(out);
  ASSERT_EQ(lines.size(), 4u) << out;
  for (int p = 0; p < kPartitions; ++p) {
    std::string one;
    ASSERT_EQ(RunLedgerctl("digest --db " + PartitionFolder(node.dir(), p), &one), 0);
    EXPECT_EQ(lines[p], absl::StrCat("p", p, " ", SplitLines(one).at(0)));
    ASSERT_EQ(RunLedgerctl(absl::StrCat("digest --format json --partition ", p,
                                        " --db ", node.dir()), &one), 0);
    EXPECT_EQ(one.find("{\"partition\""), std::string::npos) << "one partition: as is";
  }
  ASSERT_EQ(RunLedgerctl("digest --format json --db " + node.dir(), &out), 0);
  lines = SplitLines(out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(ParseJsonObject(lines[2]).fields().at("partition").number_value(), 2);
}

TEST(NodeFolderCliTest, CustomersListsEveryPartitionMarkedWithIt) {
  NodeFolder node;
  std::string out;
  ASSERT_EQ(RunLedgerctl("customers --db " + node.dir(), &out), 0);
  for (int i = 0; i < 8; ++i) {
    const std::string c = absl::StrCat("c", i);
    EXPECT_NE(out.find(absl::StrCat("p", PartitionOf(c, kPartitions), " ", c, " ")),
              std::string::npos) << c << "\n" << out;
  }
}

TEST(NodeFolderCliTest, LiabilityAndTrialBalanceSumEveryPartition) {
  NodeFolder node;
  std::string out;
  ASSERT_EQ(RunLedgerctl("liability --format csv --from 2026-03-01T00:00:00Z "
                         "--to 2026-04-01T00:00:00Z --db " + node.dir(), &out), 0);
  // c0..c7 bought 100..107 credits for 100 minor units each: 828 and 800.
  EXPECT_NE(out.find("CREDITS:PURCHASE,0,828,0,0,0,0,0,0,828"), std::string::npos) << out;
  EXPECT_NE(out.find("USD,0,800,0,0,0,0,0,0,800"), std::string::npos) << out;
  EXPECT_EQ(out.find("partition"), std::string::npos) << "one report, not four";
  ASSERT_EQ(RunLedgerctl("trial-balance --format json --db " + node.dir(), &out), 0);
  EXPECT_NE(out.find("\"events_read\": 8"), std::string::npos) << out;
  EXPECT_NE(out.find("\"credit\": 828"), std::string::npos) << out;
  // One partition on its own: only its customers.
  const int p = PartitionOf("c3", kPartitions);
  std::string one;
  ASSERT_EQ(RunLedgerctl(absl::StrCat("trial-balance --format json --partition ", p,
                                      " --db ", node.dir()), &one), 0);
  EXPECT_EQ(one.find("\"credit\": 828"), std::string::npos) << one;
}

TEST(NodeFolderCliTest, ASumOverSomePartitionsIsRefused) {
  NodeFolder node({0, 1});
  std::string out;
  EXPECT_EQ(RunLedgerctl("trial-balance --db " + node.dir(), &out,
                         Stderr::kIntoOut), 1);
  EXPECT_NE(out.find("holds partitions {0,1} of 4"), std::string::npos) << out;
  EXPECT_EQ(RunLedgerctl("trial-balance --partition 1 --db " + node.dir(), &out), 0);
}

TEST(NodeFolderCliTest, ExportNeedsAPartitionAndReadsOnlyThatLog) {
  NodeFolder node;
  std::string out;
  EXPECT_EQ(RunLedgerctl("export --format jsonl --db " + node.dir(), &out,
                         Stderr::kIntoOut), 2);
  EXPECT_NE(out.find("--partition N"), std::string::npos) << out;
  const int p = PartitionOf("c3", kPartitions);
  ASSERT_EQ(RunLedgerctl(absl::StrCat("export --format jsonl --partition ", p,
                                      " --db ", node.dir()), &out), 0);
  EXPECT_NE(out.find("\"customer\": \"c3\""), std::string::npos) << out;
  for (const std::string& line : SplitLines(out)) {
    const std::string customer =
        ParseJsonObject(line).fields().at("customer").string_value();
    EXPECT_EQ(PartitionOf(customer, kPartitions), p) << line;
  }
  EXPECT_EQ(RunLedgerctl("export --format jsonl --partition 4 --db " + node.dir(),
                         &out), 2);
}

TEST(NodeFolderCliTest, EveryOtherReadingCommandRunsOnEachPartitionOrNamesOne) {
  NodeFolder node;
  std::string out;
  // The log's checks and the audits of each partition, each marked with it.
  for (const char* command : {"verify", "replay", "audit-times"}) {
    ASSERT_EQ(RunLedgerctl(absl::StrCat(command, " --db ", node.dir()), &out), 0)
        << command << "\n" << out;
    for (int p = 0; p < kPartitions; ++p) {
      EXPECT_NE(out.find(absl::StrCat("p", p, " ")), std::string::npos)
          << command << " names no partition " << p << "\n" << out;
    }
  }
  // The journals' rows carry their partition (one csv header for all).
  for (const char* command : {"refunds", "rejections"}) {
    ASSERT_EQ(RunLedgerctl(absl::StrCat(command, " --format csv --db ", node.dir()),
                           &out), 0)
        << command << "\n" << out;
    EXPECT_EQ(out.rfind("partition,", 0), 0u) << command << "\n" << out;
  }
  ASSERT_EQ(RunLedgerctl("verify --db " + node.dir(), &out), 0);
  for (const std::string& line : SplitLines(out)) {
    if (line.find("verdict") != std::string::npos) {
      EXPECT_NE(line.find("OK"), std::string::npos) << line;
    }
  }
  // policy answers from any partition: set_policy reaches every one.
  ASSERT_EQ(RunLedgerctl("policy --db " + node.dir(), &out), 0);
  EXPECT_NE(out.find("in force at"), std::string::npos) << out;
  // tail reads one log, so it needs the partition, as export does.
  EXPECT_EQ(RunLedgerctl("tail --db " + node.dir(), &out, Stderr::kIntoOut), 2);
  EXPECT_NE(out.find("--partition N"), std::string::npos) << out;
  const int p = PartitionOf("c3", kPartitions);
  ASSERT_EQ(RunLedgerctl(absl::StrCat("tail --partition ", p, " --db ", node.dir()),
                         &out), 0);
  EXPECT_NE(out.find("\"customer\": \"c3\""), std::string::npos) << out;
}

TEST(NodeFolderCliTest, ACustomerOfAPartitionNotHeldHereIsNamedNotMissing) {
  const int home = PartitionOf("c3", kPartitions);
  std::vector<int> hosted;
  for (int p = 0; p < kPartitions; ++p) if (p != home) hosted.push_back(p);
  NodeFolder node(hosted);
  std::string out;
  EXPECT_EQ(RunLedgerctl("balance --db " + node.dir() + " --customer c3", &out,
                         Stderr::kIntoOut), 1);
  EXPECT_NE(out.find(absl::StrCat("partition ", home, " (customer c3's) is not held")),
            std::string::npos) << out;
  ASSERT_EQ(RunLedgerctl("digest --db " + node.dir(), &out), 0);
  EXPECT_EQ(SplitLines(out).size(), 3u) << "only the partitions held";
}

TEST(NodeFolderCliTest, WritersRefuseANodeFolderAndAPlainLedgerRefusesPartition) {
  NodeFolder node;
  TempDir other;
  const std::string input = other.path() + "/in.jsonl";
  WriteFile(input, Purchase("c9", 5) + "\n");
  std::string out;
  EXPECT_EQ(RunLedgerctl("apply --db " + node.dir() + " " + input, &out,
                         Stderr::kIntoOut), 1);
  EXPECT_NE(out.find("write to a cluster through ledgerd"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(node.dir() + "/CURRENT"));
  const std::string plain = PartitionFolder(node.dir(), 0);
  EXPECT_EQ(RunLedgerctl("digest --partition 0 --db " + plain, &out), 2);
  EXPECT_EQ(RunLedgerctl("digest --db " + plain, &out), 0);
}

TEST(NodeFolderCliTest, HelpSaysWhatEachCommandDoesOnANodeFolder) {
  std::string out;
  ASSERT_EQ(RunLedgerctl("balance --help", &out), 0);
  EXPECT_NE(out.find("runs on the customer's partition"), std::string::npos);
  ASSERT_EQ(RunLedgerctl("tail --help", &out), 0);
  EXPECT_NE(out.find("needs --partition N"), std::string::npos);
  ASSERT_EQ(RunLedgerctl("help verify", &out), 0);
  EXPECT_NE(out.find("a digest is one partition's"), std::string::npos);
}

}  // namespace
}  // namespace ledger::testing
