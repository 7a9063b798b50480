// `ledgerctl statement --from-seq N [--limit M]` and `balance --as-of T`
// (docs/ledgerctl.md): a page is export lines, the next page is named on
// stderr until the history ends, and the as-of balance holds only what the
// customer's events up to T made; their options are refused where they do
// not belong.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::RunLedgerctl;
using testing::Stderr;
using testing::TestLedger;

TEST(CustomerReadsCli, StatementPagesNameTheNextPageUntilTheHistoryEnds) {
  TestLedger db;
  db.WriteFourEventsAndClose();  // c1 at seqs 1, 2 and 4; c2 at 3
  std::string out;
  ASSERT_EQ(RunLedgerctl("statement --db " + db.dir() +
                             " --customer c1 --from-seq 1 --limit 2",
                         &out, Stderr::kIntoOut),
            0)
      << out;
  std::vector<std::string> lines = testing::SplitLines(out);
  ASSERT_EQ(lines.size(), 3u) << out;
  EXPECT_THAT(lines[0], HasSubstr(R"("seq": 1, "key": "k1", "customer": "c1")"));
  EXPECT_THAT(lines[1], HasSubstr(R"("seq": 2,)"));
  EXPECT_EQ(lines[2], "next page: --from-seq 4");
  ASSERT_EQ(RunLedgerctl("statement --db " + db.dir() +
                             " --customer c1 --from-seq 4 --limit 2",
                         &out, Stderr::kIntoOut),
            0);
  lines = testing::SplitLines(out);
  ASSERT_EQ(lines.size(), 1u) << out;  // the last page names no next one
  EXPECT_THAT(lines[0], HasSubstr(R"("seq": 4,)"));
  ASSERT_EQ(RunLedgerctl("statement --db " + db.dir() +
                             " --customer c1 --from-seq 1 --format csv",
                         &out),
            0);
  EXPECT_THAT(out, HasSubstr("seq,at,customer,key,kind"));
  EXPECT_EQ(RunLedgerctl("statement --db " + db.dir() +
                             " --customer c1 --from-seq 1 --from 2026-03-01",
                         &out),
            2);
  EXPECT_EQ(RunLedgerctl("statement --db " + db.dir() + " --customer c1 --limit 5", &out),
            2);
  EXPECT_EQ(RunLedgerctl("statement --db " + db.dir() +
                             " --customer c1 --from-seq 1 --limit 1001",
                         &out),
            2);
}

TEST(CustomerReadsCli, BalanceAsOfHoldsOnlyWhatTheCustomersEventsUpToThenMade) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  std::string at_head;
  ASSERT_EQ(RunLedgerctl("balance --db " + db.dir() + " --customer c1", &at_head), 0);
  std::string out;
  // After c1's purchase and first use only: 1000 - 60.
  ASSERT_EQ(RunLedgerctl("balance --db " + db.dir() +
                             " --customer c1 --as-of 2026-03-08T11:30:00Z",
                         &out, Stderr::kIntoOut),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr(R"("available": 940)"));
  EXPECT_THAT(at_head, HasSubstr(R"("available": 900)"));
  EXPECT_EQ(RunLedgerctl("balance --db " + db.dir() +
                             " --customer c1 --as-of 2026-01-01",
                         &out, Stderr::kIntoOut),
            1);
  EXPECT_THAT(out, HasSubstr("unknown customer 'c1' as of"));
  EXPECT_EQ(RunLedgerctl("balance --db " + db.dir() +
                             " --customer c1 --as-of 2026-03-09 --at 2026-03-09",
                         &out),
            2);
}

}  // namespace
}  // namespace ledger
