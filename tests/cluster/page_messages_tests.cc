// The pages one cluster node reads from another
// (tools/ledgerd/cluster/page_messages.h): each comes back as the hosting
// node read it, hashes and stored bytes included, and a history page too
// large for one answer is cut where the next part starts.
#include "tools/ledgerd/cluster/page_messages.h"

#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace ledger::cluster {
namespace {

CustomerEvent EventAt(uint64_t seq, size_t payload) {
  CustomerEvent e;
  e.seq = seq;
  e.hash = std::string(32, static_cast<char>(seq));
  e.event.mutable_header()->set_seq(seq);
  e.event.mutable_header()->set_customer("c-1");
  e.event.mutable_header()->set_key(std::string(payload, 'k'));
  e.bytes = e.event.SerializeAsString();
  return e;
}

TEST(PageMessages, AHistoryPageComesBackWithItsHashesAndStoredBytes) {
  CustomerEventPage page;
  page.events = {EventAt(3, 10), EventAt(7, 10)};
  page.next_from_seq = 9;
  const CustomerEventPage sent = page;
  const CustomerEventPage back =
      FromStoredEventPage(ToStoredEventPage(std::move(page), 1 << 20));
  ASSERT_EQ(back.events.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back.events[i].seq, sent.events[i].seq);
    EXPECT_EQ(back.events[i].hash, sent.events[i].hash);
    EXPECT_EQ(back.events[i].bytes, sent.events[i].bytes);
    EXPECT_EQ(back.events[i].event.SerializeAsString(),
              sent.events[i].event.SerializeAsString());
  }
  EXPECT_EQ(back.next_from_seq, std::optional<uint64_t>(9));
}

TEST(PageMessages, AHistoryPageOverTheBoundIsCutWhereTheNextPartStarts) {
  CustomerEventPage page;
  // Each event is about 850 bytes (its message and its stored bytes): two
  // fit in 2000.
  page.events = {EventAt(3, 400), EventAt(5, 400), EventAt(8, 400)};
  page.next_from_seq = std::nullopt;  // the history ends with seq 8
  const CustomerEventPage back =
      FromStoredEventPage(ToStoredEventPage(std::move(page), 2000));
  ASSERT_EQ(back.events.size(), 2u);
  EXPECT_EQ(back.events[1].seq, 5u);
  EXPECT_EQ(back.next_from_seq, std::optional<uint64_t>(8));
}

TEST(PageMessages, TheFirstEventTravelsEvenWhenItAlonePassesTheBound) {
  CustomerEventPage page;
  page.events = {EventAt(4, 400), EventAt(6, 10)};
  const CustomerEventPage back =
      FromStoredEventPage(ToStoredEventPage(std::move(page), 100));
  ASSERT_EQ(back.events.size(), 1u);
  EXPECT_EQ(back.next_from_seq, std::optional<uint64_t>(6));
}

TEST(PageMessages, ACustomerPageComesBackAsRead) {
  CustomerPage page;
  page.customers.push_back({"a", v1::ACTIVE, 10, 3, 2});
  page.customers.push_back({"b", v1::SUSPENDED, -5, 0, 0});
  page.next_after = "b";
  const CustomerPage back = FromCustomerSummaryPage(ToCustomerSummaryPage(page));
  ASSERT_EQ(back.customers.size(), 2u);
  EXPECT_EQ(back.customers[1].customer, "b");
  EXPECT_EQ(back.customers[1].status, v1::SUSPENDED);
  EXPECT_EQ(back.customers[1].available, -5);
  EXPECT_EQ(back.customers[0].promotional, 3);
  EXPECT_EQ(back.customers[0].scoped, 2);
  EXPECT_EQ(back.next_after, std::optional<std::string>("b"));
  EXPECT_FALSE(FromCustomerSummaryPage(ToCustomerSummaryPage(CustomerPage()))
                   .next_after.has_value());
}

TEST(PageMessages, APendingRefundComesBackWithEveryFieldAndItsCursor) {
  PendingRefundPage page;
  PendingRefund r;
  r.customer = "c";
  r.refund_id = "r1";
  r.purchase_id = "p1";
  r.credits = 40;
  r.cash_minor = 399;
  r.currency = "EUR";
  r.requested_at_us = 1'700'000'000'000'000;
  r.window_ends_us = 1'700'100'000'000'000;
  r.cursor = "00ff";
  page.refunds.push_back(r);
  const PendingRefundPage back =
      FromPendingRefundEntries(ToPendingRefundEntries(page));
  ASSERT_EQ(back.refunds.size(), 1u);
  const PendingRefund& b = back.refunds[0];
  EXPECT_EQ(std::tie(b.customer, b.refund_id, b.purchase_id, b.credits,
                     b.cash_minor, b.currency, b.requested_at_us,
                     b.window_ends_us, b.cursor),
            std::tie(r.customer, r.refund_id, r.purchase_id, r.credits,
                     r.cash_minor, r.currency, r.requested_at_us,
                     r.window_ends_us, r.cursor));
  EXPECT_FALSE(back.next_after.has_value());
}

TEST(PageMessages, LiabilitySumsPastInt64AndNegativeOnesComeBackExactly) {
  LiabilityReport report;
  report.from_us = 1;
  report.to_us = 2;
  report.events_read = 9;
  report.events_in_period = 4;
  const __int128 big = static_cast<__int128>(std::numeric_limits<int64_t>::max()) * 7;
  LiabilityRow row;
  row.unit = "EUR";
  row.opening = big;
  row.granted = -big;
  row.used = -1;
  row.expired = 1;
  row.forfeited = 2;
  row.voided = 3;
  row.refunded = 4;
  row.charged_back = 5;
  row.closing = std::numeric_limits<__int128>::min();
  row.refund_rounding = std::numeric_limits<__int128>::max();
  report.units.push_back(row);
  const LiabilityReport back = FromPartitionLiability(ToPartitionLiability(report));
  EXPECT_EQ(back.from_us, 1);
  EXPECT_EQ(back.to_us, 2);
  EXPECT_EQ(back.events_read, 9u);
  EXPECT_EQ(back.events_in_period, 4u);
  ASSERT_EQ(back.units.size(), 1u);
  const LiabilityRow& b = back.units[0];
  EXPECT_EQ(b.unit, "EUR");
  EXPECT_TRUE(b.opening == big && b.granted == -big && b.used == -1 &&
              b.expired == 1 && b.forfeited == 2 && b.voided == 3 &&
              b.refunded == 4 && b.charged_back == 5 &&
              b.closing == std::numeric_limits<__int128>::min() &&
              b.refund_rounding == std::numeric_limits<__int128>::max());
}

}  // namespace
}  // namespace ledger::cluster
