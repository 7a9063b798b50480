// `ledgerctl balance --format text`: the fields of the balance for a person,
// one a line, and the lots as a table; JSON stays the default.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(BalanceText, TextShowsTheFieldsAndTheLotsAndJsonStaysTheDefault) {
  TempDir dir;
  const std::string input = dir.path() + "/in.jsonl";
  WriteFile(input,
            R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD","expires_at":"2026-03-20T00:00:00Z"}})"
            "\n"
            R"({"key":"k2","customer":"c1","at":"2026-03-08T10:01:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":60}})"
            "\n");
  const std::string db = dir.path() + "/db";
  std::string out;
  ASSERT_EQ(RunLedgerctl(absl::StrCat("apply --db ", db, " ", input), &out), 0);
  const std::string query =
      absl::StrCat("balance --db ", db, " --customer c1 --at 2026-03-09T00:00:00Z");
  out.clear();
  ASSERT_EQ(RunLedgerctl(query + " --format text", &out), 0);
  EXPECT_THAT(out, StartsWith("Customer c1 (ACTIVE) at 2026-03-09T00:00:00Z\n"));
  EXPECT_THAT(out, HasSubstr("Available:       940\n"));
  EXPECT_THAT(out, HasSubstr("Refundable:      940 credits, 1879 USD minor units\n"));
  EXPECT_THAT(out, HasSubstr("p1"));
  EXPECT_THAT(out, HasSubstr("2026-03-20T00:00:00Z"));
  out.clear();
  ASSERT_EQ(RunLedgerctl(query, &out), 0);
  EXPECT_THAT(out, StartsWith(R"({"customer": "c1")"));
}

}  // namespace
}  // namespace ledger::testing
