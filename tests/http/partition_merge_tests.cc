// The HTTP API's answers across a cluster's partitions
// (tools/ledgerd/http/partition_merge.h): pages merge in the list's order
// with a next_after that sees every entry once, and the liability report
// sums as `ledgerctl liability` sums a node's folder.
#include "tools/ledgerd/http/partition_merge.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ledger::http {
namespace {

// A partition's page of the customers in `ids` (sorted) after `after`.
CustomerPage PageOf(const std::vector<std::string>& ids, const std::string& after,
                    size_t limit) {
  CustomerPage page;
  for (const std::string& id : ids) {
    if (id <= after) continue;
    if (page.customers.size() == limit) {
      page.next_after = page.customers.back().customer;
      break;
    }
    CustomerSummary c;
    c.customer = id;
    page.customers.push_back(c);
  }
  return page;
}

TEST(PartitionMerge, PagingTheMergedCustomersSeesEachOnceInIdOrder) {
  const std::vector<std::vector<std::string>> partitions = {
      {"a", "d", "e", "f", "k"}, {"b", "c", "g"}, {}, {"h", "i", "j", "z"}};
  for (size_t limit : {1u, 2u, 3u, 5u, 100u}) {
    std::vector<std::string> seen;
    std::string after;
    for (int pages = 0; pages < 20; ++pages) {
      std::vector<CustomerPage> each;
      for (const auto& ids : partitions) each.push_back(PageOf(ids, after, limit));
      const CustomerPage merged = MergeCustomerPages(each, limit);
      EXPECT_LE(merged.customers.size(), limit);
      for (const CustomerSummary& c : merged.customers) seen.push_back(c.customer);
      if (!merged.next_after.has_value()) break;
      after = *merged.next_after;
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g",
                                              "h", "i", "j", "k", "z"}))
        << "limit " << limit;
  }
}

TEST(PartitionMerge, AMergedPageThatReachedEveryEndHasNoNextAfter) {
  const CustomerPage merged =
      MergeCustomerPages({PageOf({"a"}, "", 2), PageOf({"b"}, "", 2)}, 2);
  EXPECT_EQ(merged.customers.size(), 2u);
  EXPECT_FALSE(merged.next_after.has_value());
  EXPECT_FALSE(MergeCustomerPages({CustomerPage(), CustomerPage()}, 5)
                   .next_after.has_value());
}

TEST(PartitionMerge, RefundsMergeInQueueOrderByCursor) {
  auto refund = [](const std::string& cursor, const std::string& customer) {
    PendingRefund r;
    r.cursor = cursor;
    r.customer = customer;
    return r;
  };
  PendingRefundPage p0, p1;
  p0.refunds = {refund("01", "x"), refund("05", "x")};
  p0.next_after = "05";
  p1.refunds = {refund("02", "y"), refund("03", "y")};
  const PendingRefundPage merged = MergePendingRefundPages({p0, p1}, 2);
  ASSERT_EQ(merged.refunds.size(), 2u);
  EXPECT_EQ(merged.refunds[0].cursor, "01");
  EXPECT_EQ(merged.refunds[1].cursor, "02");
  EXPECT_EQ(merged.next_after, std::optional<std::string>("02"));
}

TEST(PartitionMerge, LiabilitySumsUnitByUnitSortedByNameAndCountsEveryEvent) {
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
}  // namespace ledger::http
