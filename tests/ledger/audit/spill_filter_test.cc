// The filter of what an audit spilled (ledger/audit/spill_filter.h): it
// never says "no" for an entry it was given, across the filters it grows
// into, and says "maybe" for few entries it was not given.
#include "ledger/audit/spill_filter.h"

#include <cstdint>

#include "absl/hash/hash.h"
#include "gtest/gtest.h"

namespace ledger {
namespace {

TEST(SpillFilter, EveryEntryAddedIsFoundAcrossTheFiltersItGrowsInto) {
  SpillFilter filter;
  // 300 000 entries: the first filter takes 65 536, so this spans three.
  for (uint64_t i = 0; i < 300'000; ++i) filter.Add(absl::HashOf(i, 1));
  for (uint64_t i = 0; i < 300'000; ++i) {
    ASSERT_TRUE(filter.MayContain(absl::HashOf(i, 1))) << i;
  }
}

TEST(SpillFilter, FewEntriesNeverAddedAreTakenForAddedOnes) {
  SpillFilter filter;
  for (uint64_t i = 0; i < 300'000; ++i) filter.Add(absl::HashOf(i, 1));
  uint64_t maybe = 0;
  constexpr uint64_t kAsked = 200'000;
  for (uint64_t i = 0; i < kAsked; ++i) maybe += filter.MayContain(absl::HashOf(i, 2));
  // Three filters of about 0.4% each: about 1.2% in all; 2% leaves room
  // for chance, and a filter that answered at random would be far above.
  EXPECT_LT(maybe, kAsked * 2 / 100) << maybe << " of " << kAsked;
}

TEST(SpillFilter, SizedForItsEntriesItFindsEachWithOneFilterAndFewWrongMaybes) {
  SpillFilter filter;
  filter.ExpectEntries(300'000);
  for (uint64_t i = 0; i < 300'000; ++i) filter.Add(absl::HashOf(i, 1));
  for (uint64_t i = 0; i < 300'000; ++i) {
    ASSERT_TRUE(filter.MayContain(absl::HashOf(i, 1))) << i;
  }
  uint64_t maybe = 0;
  constexpr uint64_t kAsked = 200'000;
  for (uint64_t i = 0; i < kAsked; ++i) maybe += filter.MayContain(absl::HashOf(i, 2));
  // One filter of about 0.4%: under 1%, below the three-filter chain's
  // 1.2% that the same entries made unsized.
  EXPECT_LT(maybe, kAsked / 100) << maybe << " of " << kAsked;
}

TEST(SpillFilter, MoreEntriesThanExpectedAreStillFound) {
  SpillFilter filter;
  filter.ExpectEntries(100'000);
  for (uint64_t i = 0; i < 350'000; ++i) filter.Add(absl::HashOf(i, 1));
  for (uint64_t i = 0; i < 350'000; ++i) {
    ASSERT_TRUE(filter.MayContain(absl::HashOf(i, 1))) << i;
  }
}

TEST(SpillFilter, AnExpectationAfterTheFirstEntryChangesNothingFound) {
  SpillFilter filter;
  filter.Add(absl::HashOf(1, 1));
  filter.ExpectEntries(1'000'000);  // too late: the first filter is made
  for (uint64_t i = 2; i < 70'000; ++i) filter.Add(absl::HashOf(i, 1));
  for (uint64_t i = 1; i < 70'000; ++i) {
    ASSERT_TRUE(filter.MayContain(absl::HashOf(i, 1))) << i;
  }
}

TEST(SpillFilter, AnEmptyFilterHoldsNothing) {
  SpillFilter filter;
  EXPECT_FALSE(filter.MayContain(absl::HashOf(7)));
}

}  // namespace
}  // namespace ledger
