// Ledger::SubmitBatchAt and AppliedPosition (ledger.h): the position of a
// cluster replica in its partition's log is stored in the same write as the
// batch it belongs to (docs/cluster.md), and replay accepts it.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"
#include "tools/workload/command_builders.h"

namespace ledger {
namespace {

using testing::RunLedgerctl;
using testing::TestLedger;

std::vector<v1::Command> TwoPurchases(const std::string& prefix) {
  return {workload::Purchase({.key = prefix + "1", .customer = "c1",
                              .at = "2026-03-08T10:00:00Z",
                              .purchase_id = prefix + "p1", .credits = 100}),
          workload::Purchase({.key = prefix + "2", .customer = "c2",
                              .at = "2026-03-08T10:00:00Z",
                              .purchase_id = prefix + "p2", .credits = 50})};
}

TEST(AppliedPositionTest, PositionSurvivesAReopenWithTheBatchItCameWith) {
  TestLedger db;
  EXPECT_EQ(db->AppliedPosition(), 0u);
  absl::StatusOr<std::vector<SubmitResult>> r =
      db->SubmitBatchAt(TwoPurchases("a"), {}, 7);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[1].seq, 2u);
  EXPECT_EQ(db->AppliedPosition(), 7u);
  db.Reopen();
  EXPECT_EQ(db->AppliedPosition(), 7u);
  EXPECT_EQ(db->LastSeq(), 2u);
}

TEST(AppliedPositionTest, ABatchOfOnlyDuplicatesStillMovesThePosition) {
  TestLedger db;
  ASSERT_TRUE(db->SubmitBatchAt(TwoPurchases("a"), {}, 3).ok());
  absl::StatusOr<std::vector<SubmitResult>> again =
      db->SubmitBatchAt(TwoPurchases("a"), {}, 9);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)[0].outcome, Outcome::kDuplicate);
  ASSERT_TRUE(db->SubmitBatchAt({}, {}, 10).ok());
  db.Reopen();
  EXPECT_EQ(db->AppliedPosition(), 10u);
  EXPECT_EQ(db->LastSeq(), 2u);
}

TEST(AppliedPositionTest, APositionNotAboveTheStoredOneIsRefused) {
  TestLedger db;
  ASSERT_TRUE(db->SubmitBatchAt(TwoPurchases("a"), {}, 5).ok());
  absl::StatusOr<std::vector<SubmitResult>> r =
      db->SubmitBatchAt(TwoPurchases("b"), {}, 5);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->LastSeq(), 2u);
}

TEST(AppliedPositionTest, ReplayAcceptsAStoredPosition) {
  TestLedger db;
  ASSERT_TRUE(db->SubmitBatchAt(TwoPurchases("a"), {}, 4).ok());
  const std::string dir = db.dir();
  db.Close();
  std::string out;
  EXPECT_EQ(RunLedgerctl("replay --db " + dir, &out,
                         testing::Stderr::kIntoOut), 0)
      << out;
}

TEST(AppliedPositionTest, ReplayRefusesAMalformedPosition) {
  TestLedger db;
  ASSERT_TRUE(db->SubmitBatchAt(TwoPurchases("a"), {}, 4).ok());
  const std::string dir = db.dir();
  db.Close();
  {
    testing::RawLog raw(dir);
    raw.PutRaw(kMetaFamily, kAppliedPositionKey, std::string(7, '\1'));
  }
  std::string out;
  EXPECT_EQ(RunLedgerctl("replay --db " + dir, &out,
                         testing::Stderr::kIntoOut), 1)
      << out;
  EXPECT_NE(out.find("applied position"), std::string::npos) << out;
}

}  // namespace
}  // namespace ledger
