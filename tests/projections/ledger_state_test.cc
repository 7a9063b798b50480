// docs/contract.md section 3, tested on the fold itself
// (projections/ledger_state.h): the version in force at t is the last one set
// with `at <= t`, or the default.
#include "projections/ledger_state.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/projections/lots.h"

namespace ledger {
namespace {

using testing::Hours;
using testing::kT0;

v1::PolicyState Policy(const std::string& version, int64_t from_us,
                       int64_t refund_window_hours) {
  v1::PolicyState p;
  p.set_version(version);
  p.set_effective_from_us(from_us);
  p.set_refund_window_hours(refund_window_hours);
  p.set_inquiry_window_hours(refund_window_hours + 1);
  return p;
}

TEST(PolicyBook, TheDefaultIsInForceFromTheBeginningUntilAVersionIsSet) {
  const PolicyBook book;
  for (int64_t at : {kMinTimeUs, kT0, kMaxTimeUs}) {
    const v1::PolicyState& p = book.InForceAt(at);
    EXPECT_EQ(p.version(), "2026-03-07");
    EXPECT_EQ(p.refund_window_hours(), 168);
    EXPECT_EQ(p.inquiry_window_hours(), 168);
  }
  EXPECT_TRUE(book.versions().empty());
  EXPECT_EQ(book.last_set_at_us(), kMinTimeUs);
}

TEST(PolicyBook, TheVersionInForceIsTheLastSetAtOrBeforeT) {
  PolicyBook book;
  book.Add(Policy("v1", kT0, 24));
  book.Add(Policy("v2", kT0 + Hours(10), 48));
  EXPECT_EQ(book.InForceAt(kT0 - 1).version(), "2026-03-07");
  EXPECT_EQ(book.InForceAt(kT0).version(), "v1");
  EXPECT_EQ(book.InForceAt(kT0).refund_window_hours(), 24);
  EXPECT_EQ(book.InForceAt(kT0 + Hours(10) - 1).version(), "v1");
  EXPECT_EQ(book.InForceAt(kT0 + Hours(10)).version(), "v2");
  EXPECT_EQ(book.InForceAt(kMaxTimeUs).version(), "v2");
  EXPECT_EQ(book.InForceAt(kMaxTimeUs).inquiry_window_hours(), 49);
  EXPECT_EQ(book.last_set_at_us(), kT0 + Hours(10));
  ASSERT_EQ(book.versions().size(), 2u);
  EXPECT_EQ(book.versions()[0].version(), "v1");
}

TEST(PolicyBook, OfVersionsSetAtTheSameTimeTheLastSetWins) {
  PolicyBook book;
  book.Add(Policy("first", kT0, 1));
  book.Add(Policy("second", kT0, 2));
  book.Add(Policy("third", kT0, 3));
  EXPECT_EQ(book.InForceAt(kT0).version(), "third");
  EXPECT_EQ(book.InForceAt(kT0 - 1).version(), "2026-03-07");
}

}  // namespace
}  // namespace ledger
