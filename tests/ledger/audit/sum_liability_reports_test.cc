// The cluster's liability report as the sum of its partitions' reports:
// every row added unit by unit, units sorted by name, every partition's
// events counted.

#include "ledger/liability.h"

#include "gtest/gtest.h"

namespace ledger {
namespace {

TEST(SumLiabilityReports, AddsUnitByUnitSortedByNameAndCountsEveryEvent) {
  LiabilityReport a, b;
  LiabilityRow credits;
  credits.unit = "CREDITS:PURCHASE";
  credits.opening = 10;
  credits.granted = 5;
  credits.closing = 15;
  LiabilityRow eur;
  eur.unit = "EUR";
  eur.refunded = 7;
  eur.refund_rounding = 1;
  eur.closing = -7;
  LiabilityRow usd;
  usd.unit = "USD";
  usd.used = 3;
  a.units = {credits, usd};
  a.events_read = 4;
  a.events_in_period = 2;
  b.units = {credits, eur};
  b.events_read = 6;
  b.events_in_period = 1;
  const LiabilityReport sum = SumLiabilityReports({a, b}, 100, 200);
  EXPECT_EQ(sum.from_us, 100);
  EXPECT_EQ(sum.to_us, 200);
  EXPECT_EQ(sum.events_read, 10u);
  EXPECT_EQ(sum.events_in_period, 3u);
  ASSERT_EQ(sum.units.size(), 3u);
  EXPECT_EQ(sum.units[0].unit, "CREDITS:PURCHASE");
  EXPECT_TRUE(sum.units[0].opening == 20 && sum.units[0].granted == 10 &&
              sum.units[0].closing == 30);
  EXPECT_EQ(sum.units[1].unit, "EUR");
  EXPECT_TRUE(sum.units[1].refunded == 7 && sum.units[1].refund_rounding == 1 &&
              sum.units[1].closing == -7);
  EXPECT_EQ(sum.units[2].unit, "USD");
  EXPECT_TRUE(sum.units[2].used == 3);
}

}  // namespace
}  // namespace ledger
