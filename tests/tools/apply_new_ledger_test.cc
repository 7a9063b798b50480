// `ledgerctl apply` says on stderr when it creates a new ledger, so a
// mistyped --db does not start an empty ledger in silence; applying to an
// existing ledger says nothing more than before.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

TEST(ApplyNewLedger, CreatingALedgerIsSaidOnStderrOnlyTheFirstTime) {
  TempDir dir;
  const std::string input = dir.path() + "/in.jsonl";
  WriteFile(input,
            R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":1,"currency":"USD"}})"
            "\n");
  const std::string db = dir.path() + "/ledger";
  // Only stderr is kept: the results go to /dev/null.
  const std::string apply = absl::StrCat(LEDGERCTL_PATH, " apply --db ", db, " ",
                                         input, " 2>&1 >/dev/null");
  std::string out;
  ASSERT_EQ(RunCommand(apply, &out), 0);
  EXPECT_EQ(out, absl::StrCat("ledgerctl apply: created a new ledger in ", db, "\n"));
  out.clear();
  ASSERT_EQ(RunCommand(apply, &out), 0);
  EXPECT_EQ(out, "") << "an existing ledger is opened without a word";
}

}  // namespace
}  // namespace ledger::testing
