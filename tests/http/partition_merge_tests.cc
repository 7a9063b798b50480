// The HTTP API's answers across a cluster's partitions
// (tools/ledgerd/http/partition_merge.h): pages merge in the list's order
// with a next_after that sees every entry once.
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

}  // namespace
}  // namespace ledger::http
