// A replay worker's share of the memory budget (ledger/audit/replayer.h,
// FoldShard): sized for its share of the events, its scratch database lets
// many sorted runs be when both its spill filters hold what they expect at
// their full bits an entry (lookups then come seldom), and the usual few
// when a tight budget leaves either filter short.
#include <cstddef>

#include "gtest/gtest.h"
#include "ledger/audit/replayer.h"
#include "ledger/audit/scratch_db.h"
#include "ledger/audit_memory.h"

namespace ledger {
namespace replay_internal {
namespace {

AuditMemory Budget(size_t mib) {
  AuditMemory memory;
  memory.budget_bytes = mib << 20;
  return memory;
}

TEST(FoldShard, WithTheDefaultBudgetTenMillionEventsLookUpSeldomAndAllowManyRuns) {
  FoldShard shard(Budget(256), 2);
  shard.ExpectEvents(5'000'000);
  EXPECT_TRUE(shard.usages.filter().ExpectedEntriesFit());
  EXPECT_TRUE(shard.spilled_key_hashes.ExpectedEntriesFit());
  EXPECT_EQ(shard.usages.scratch_sorted_runs(),
            ScratchDb::kSortedRunsWhenLookupsAreRare);
}

TEST(FoldShard, WithATightBudgetTenMillionEventsKeepTheUsualFewRuns) {
  FoldShard shard(Budget(32), 2);
  shard.ExpectEvents(5'000'000);
  EXPECT_FALSE(shard.usages.filter().ExpectedEntriesFit());
  EXPECT_EQ(shard.usages.scratch_sorted_runs(), ScratchDb::kSortedRuns);
}

TEST(FoldShard, WithATightBudgetAMillionEventsFitAndAllowManyRuns) {
  FoldShard shard(Budget(32), 2);
  shard.ExpectEvents(500'000);
  EXPECT_EQ(shard.usages.scratch_sorted_runs(),
            ScratchDb::kSortedRunsWhenLookupsAreRare);
}

TEST(FoldShard, AKeyHashFilterLeftShortAloneKeepsTheUsualFewRuns) {
  FoldShard shard(Budget(256), 2);
  // Its key hash filter bounded tighter than the usages' (as the shard's
  // constructor never does): either filter short is enough.
  shard.spilled_key_hashes.Bound(64 << 10);
  shard.ExpectEvents(5'000'000);
  EXPECT_TRUE(shard.usages.filter().ExpectedEntriesFit());
  EXPECT_FALSE(shard.spilled_key_hashes.ExpectedEntriesFit());
  EXPECT_EQ(shard.usages.scratch_sorted_runs(), ScratchDb::kSortedRuns);
}

}  // namespace
}  // namespace replay_internal
}  // namespace ledger
