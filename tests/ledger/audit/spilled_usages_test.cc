// The usages an audit holds under its budget (ledger/audit/spilled_usages.h)
// with the filter of spilled ids at its smallest bound: the filter then
// says "maybe" for nearly every id, and every answer still comes from the
// scratch database -- a spilled usage comes back as it was spilled, a new
// id brings nothing back -- so a bounded filter changes the audit's cost,
// never its report.
#include "ledger/audit/spilled_usages.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

constexpr int kUsages = 3000;

std::string UsageId(int i) { return absl::StrCat("usage-", i); }

v1::Command UseOf(const std::string& customer, const std::string& usage_id) {
  v1::Command command;
  command.set_customer(customer);
  command.mutable_use()->set_usage_id(usage_id);
  return command;
}

TEST(SpilledUsages, WithTheFilterAtOneBlockEverySpilledUsageComesBackAndNoNewOneIsMadeUp) {
  testing::TempDir parent;
  SpilledUsages usages(parent.path(), size_t{1} << 20, /*max_in_memory=*/16);
  usages.BoundFilter(64);  // one block of 512 bits for 3 000 ids
  LedgerState state;
  CustomerState& customer = state.customers["c1"];
  customer.header.set_customer("c1");
  for (int i = 0; i < kUsages; ++i) {
    v1::UsageState usage;
    usage.set_usage_id(UsageId(i));
    usage.set_credits(i + 1);
    customer.usages.emplace(UsageId(i), usage);
    TouchedEntities touched;
    touched.customer = "c1";
    touched.usages.push_back(UsageId(i));
    ASSERT_TRUE(usages.Note(touched, state).ok());
  }
  ASSERT_TRUE(usages.spilled_any());
  ASSERT_GT(usages.spilled_count(), static_cast<uint64_t>(kUsages - 100));

  for (int i = 0; i < kUsages; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(usages.Fetch(UseOf("c1", UsageId(i)), state).ok());
    auto found = customer.usages.find(UsageId(i));
    ASSERT_NE(found, customer.usages.end());
    EXPECT_EQ(found->second.credits(), i + 1);
  }
  // Ids never spilled: the saturated filter says "maybe", the scratch
  // database says no, and nothing is added.
  for (int i = kUsages; i < kUsages + 500; ++i) {
    ASSERT_TRUE(usages.Fetch(UseOf("c1", UsageId(i)), state).ok());
    EXPECT_FALSE(customer.usages.contains(UsageId(i))) << i;
  }
}

}  // namespace
}  // namespace ledger
