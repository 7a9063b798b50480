// The filter of what an audit spilled (ledger/audit/spill_filter.h): it
// never says "no" for an entry it was given, across the filters it grows
// into, and says "maybe" for few entries it was not given; bounded, it
// holds no more bytes than its bound however many entries it takes, and
// still never says "no" for one of them.
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

TEST(SpillFilter, BoundedItHoldsNoMoreThanItsBoundAndStillFindsEveryEntry) {
  SpillFilter filter;
  filter.Bound(64 * 1024);
  // 200 000 entries at 12 bits need 293 KiB: four times the bound.
  for (uint64_t i = 0; i < 200'000; ++i) filter.Add(absl::HashOf(i, 1));
  EXPECT_LE(filter.bytes(), size_t{64 * 1024});
  EXPECT_GT(filter.bytes(), size_t{32 * 1024});  // it used its room
  for (uint64_t i = 0; i < 200'000; ++i) {
    ASSERT_TRUE(filter.MayContain(absl::HashOf(i, 1))) << i;
  }
}

TEST(SpillFilter, SizedPastItsBoundItProbesFewerBitsAndStillSaysNoToMostAbsentEntries) {
  SpillFilter filter;
  filter.Bound(128 * 1024);      // 1 Mbit
  filter.ExpectEntries(200'000);  // 5.2 bits an entry: 4 probes, not 8
  for (uint64_t i = 0; i < 200'000; ++i) filter.Add(absl::HashOf(i, 1));
  EXPECT_LE(filter.bytes(), size_t{128 * 1024});
  for (uint64_t i = 0; i < 200'000; ++i) {
    ASSERT_TRUE(filter.MayContain(absl::HashOf(i, 1))) << i;
  }
  uint64_t maybe = 0;
  constexpr uint64_t kAsked = 200'000;
  for (uint64_t i = 0; i < kAsked; ++i) maybe += filter.MayContain(absl::HashOf(i, 2));
  // About 9% at 5.2 bits and 4 probes in blocks of 512 bits; 8 probes
  // would give about 14%, and a filter saturated by its entries far more.
  EXPECT_LT(maybe, kAsked * 12 / 100) << maybe << " of " << kAsked;
}

TEST(SpillFilter, ABoundTheFirstFilterFitsInChangesNothing) {
  SpillFilter bounded;
  bounded.Bound(1 << 20);
  bounded.ExpectEntries(100'000);
  SpillFilter free;
  free.ExpectEntries(100'000);
  for (uint64_t i = 0; i < 100'000; ++i) {
    bounded.Add(absl::HashOf(i, 1));
    free.Add(absl::HashOf(i, 1));
  }
  EXPECT_EQ(bounded.bytes(), free.bytes());
  for (uint64_t i = 0; i < 100'000; ++i) {
    ASSERT_EQ(bounded.MayContain(absl::HashOf(i, 2)),
              free.MayContain(absl::HashOf(i, 2)));
  }
}

TEST(SpillFilter, ItsExpectedEntriesFitWhenTheFilterMadeForThemIsWithinTheBound) {
  for (size_t expected : {size_t{1'000}, size_t{100'000}, size_t{562'500}}) {
    SpillFilter free;
    free.ExpectEntries(expected);
    free.Add(absl::HashOf(0));
    const size_t needed = free.bytes();  // the first filter, at full bits
    EXPECT_TRUE(free.ExpectedEntriesFit()) << expected;  // no bound
    for (size_t bound : {needed - 64, needed, needed + 64}) {
      SpillFilter bounded;
      bounded.ExpectEntries(expected);
      bounded.Bound(bound);
      EXPECT_EQ(bounded.ExpectedEntriesFit(), bound >= needed)
          << expected << " entries, " << bound << " bytes, " << needed << " needed";
    }
  }
  // Replay's shard with a 32 MiB budget on two threads: a 2 MiB bound
  // holds a million events' share, not ten million's.
  SpillFilter million, ten_million;
  million.ExpectEntries(562'500);
  million.Bound(2 << 20);
  ten_million.ExpectEntries(5'625'000);
  ten_million.Bound(2 << 20);
  EXPECT_TRUE(million.ExpectedEntriesFit());
  EXPECT_FALSE(ten_million.ExpectedEntriesFit());
}

TEST(SpillFilter, AnEmptyFilterHoldsNothing) {
  SpillFilter filter;
  EXPECT_FALSE(filter.MayContain(absl::HashOf(7)));
}

}  // namespace
}  // namespace ledger
