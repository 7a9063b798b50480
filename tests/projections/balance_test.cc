// docs/contract.md section 6, tested on the fold itself
// (projections/balance.h): available at T leaves out lots expired at T;
// refundable counts only an ACTIVE customer's PURCHASE lots that are not
// charged back, not expired, inside the refund window of the policy in force at
// T and without a pending or approved refund; cash is floor(amount_minor *
// remaining / granted) per lot, summed per currency and sorted by currency.
#include "projections/balance.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/projections/lots.h"

namespace ledger {
namespace {

using testing::CustomerWith;
using testing::Hours;
using testing::kT0;
using testing::MakeLot;

// "CUR:amount" per entry, in the order given.
std::vector<std::string> Cash(const Balance& b) {
  std::vector<std::string> out;
  for (const CashAmount& c : b.refundable_cash) {
    out.push_back(c.currency + ":" + std::to_string(c.amount_minor));
  }
  return out;
}

v1::LotState Purchase(const std::string& id, int64_t granted, int64_t remaining,
                      int64_t amount_minor, const std::string& currency = "USD") {
  return MakeLot({.id = id, .granted = granted, .remaining = remaining,
                  .amount_minor = amount_minor, .currency = currency});
}

TEST(BalanceProjection, AvailableAtTLeavesOutLotsExpiredAtTButListsThemAll) {
  const int64_t at = kT0 + Hours(24);
  CustomerState c = CustomerWith({
      MakeLot({.id = "keeps", .granted = 100, .remaining = 60}),
      MakeLot({.id = "expires-at-t", .granted = 30, .expires_at_us = at}),
      MakeLot({.id = "expires-later", .granted = 5, .expires_at_us = at + 1}),
  });
  c.header.set_held(7);
  c.header.set_refund_pending(3);
  const PolicyBook policies;
  Balance b = ComputeBalance(c, policies, at);
  EXPECT_EQ(b.available, 65);
  EXPECT_EQ(b.held, 7);
  EXPECT_EQ(b.refund_pending, 3);
  ASSERT_EQ(b.lots.size(), 3u);  // consumption order, expired one included
  EXPECT_EQ(b.lots[0].lot_id, "expires-at-t");
  EXPECT_EQ(b.lots[0].remaining, 30);
  EXPECT_EQ(b.lots[1].lot_id, "expires-later");
  EXPECT_EQ(b.lots[2].lot_id, "keeps");
  EXPECT_EQ(ComputeBalance(c, policies, at - 1).available, 95);
}

TEST(BalanceProjection, CashIsTheFloorOfTheProRataShareOfEachLot) {
  // 1999 * 940 / 1000 = 1879.06
  CustomerState c = CustomerWith({Purchase("p1", 1000, 940, 1999)});
  Balance b = ComputeBalance(c, PolicyBook(), kT0 + Hours(1));
  EXPECT_EQ(b.refundable_credits, 940);
  EXPECT_EQ(Cash(b), (std::vector<std::string>{"USD:1879"}));
  // Floored per lot, then summed: two lots of 0.5 each give 0, not 1.
  CustomerState halves = CustomerWith(
      {Purchase("a", 2, 1, 1), Purchase("b", 2, 1, 1), Purchase("c", 3, 2, 3)});
  Balance h = ComputeBalance(halves, PolicyBook(), kT0);
  EXPECT_EQ(h.refundable_credits, 4);
  EXPECT_EQ(Cash(h), (std::vector<std::string>{"USD:2"}));
}

TEST(BalanceProjection, CashIsSummedPerCurrencyAndSortedByCurrency) {
  CustomerState c = CustomerWith({
      Purchase("u1", 100, 50, 1000, "USD"),
      Purchase("e1", 100, 100, 300, "EUR"),
      Purchase("u2", 10, 10, 7, "USD"),
      Purchase("c1", 100, 1, 99, "CHF"),  // 0.99: floors to nothing
  });
  Balance b = ComputeBalance(c, PolicyBook(), kT0);
  EXPECT_EQ(b.refundable_credits, 161);
  EXPECT_EQ(Cash(b), (std::vector<std::string>{"EUR:300", "USD:507"}));
}

TEST(BalanceProjection, ProRataCashNeedsMoreThanSixtyFourBits) {
  // 10^15, the largest amount (docs/contract.md section 1).
  const int64_t max = 1000000000000000;
  EXPECT_EQ(ProRataCashMinor(max, max, max), max);
  EXPECT_EQ(ProRataCashMinor(max, max - 1, max), max - 1);
  EXPECT_EQ(ProRataCashMinor(1999, 940, 1000), 1879);
  EXPECT_EQ(ProRataCashMinor(1999, 0, 1000), 0);
}

TEST(BalanceProjection, NothingIsRefundableUnlessTheCustomerIsActive) {
  for (v1::CustomerStatus status : {v1::SUSPENDED, v1::TERMINATED}) {
    CustomerState c = CustomerWith({Purchase("p1", 100, 100, 1000)});
    c.header.set_status(status);
    Balance b = ComputeBalance(c, PolicyBook(), kT0);
    EXPECT_EQ(b.refundable_credits, 0) << v1::CustomerStatus_Name(status);
    EXPECT_TRUE(b.refundable_cash.empty()) << v1::CustomerStatus_Name(status);
    EXPECT_EQ(b.available, 100) << "suspension does not hide the credits";
  }
}

TEST(BalanceProjection, OnlyPurchaseLotsAreRefundable) {
  CustomerState c = CustomerWith({
      MakeLot({.id = "s", .source = v1::SUBSCRIPTION, .granted = 100,
               .amount_minor = 500, .currency = "USD"}),
      MakeLot({.id = "c", .source = v1::COMPENSATION, .granted = 40}),
      Purchase("p", 10, 10, 20),
  });
  Balance b = ComputeBalance(c, PolicyBook(), kT0);
  EXPECT_EQ(b.available, 150);
  EXPECT_EQ(b.refundable_credits, 10);
  EXPECT_EQ(Cash(b), (std::vector<std::string>{"USD:20"}));
}

TEST(BalanceProjection, ChargedBackExpiredOrRefundedLotsAreNotRefundable) {
  const int64_t at = kT0 + Hours(2);
  v1::LotState charged_back = Purchase("charged-back", 100, 0, 1000);
  charged_back.set_charged_back(true);
  charged_back.set_remaining(100);  // only the flag may exclude it
  v1::LotState expired = MakeLot({.id = "expired", .granted = 100,
                                  .expires_at_us = at, .amount_minor = 1000,
                                  .currency = "USD"});
  v1::LotState pending = Purchase("refund-pending", 100, 60, 1000);
  pending.set_active_refund_id("r1");
  v1::LotState good = Purchase("good", 100, 25, 1000);
  CustomerState c = CustomerWith({charged_back, expired, pending, good});
  Balance b = ComputeBalance(c, PolicyBook(), at);
  EXPECT_EQ(b.refundable_credits, 25);
  EXPECT_EQ(Cash(b), (std::vector<std::string>{"USD:250"}));
  // The expired lot counts one microsecond before it expires.
  EXPECT_EQ(ComputeBalance(c, PolicyBook(), at - 1).refundable_credits, 125);
}

TEST(BalanceProjection, TheRefundWindowEndsOnItsLastMicrosecond) {
  CustomerState c = CustomerWith({Purchase("p1", 100, 100, 1000)});
  const PolicyBook policies;  // the default: 168 hours
  const int64_t end = kT0 + Hours(kDefaultRefundWindowHours);
  EXPECT_EQ(ComputeBalance(c, policies, end).refundable_credits, 100);
  EXPECT_EQ(ComputeBalance(c, policies, end + 1).refundable_credits, 0);
  EXPECT_TRUE(ComputeBalance(c, policies, end + 1).refundable_cash.empty());
  EXPECT_EQ(ComputeBalance(c, policies, end + 1).available, 100);
}

v1::PolicyState Policy(const std::string& version, int64_t from_us,
                       int64_t refund_window_hours) {
  v1::PolicyState p;
  p.set_version(version);
  p.set_effective_from_us(from_us);
  p.set_refund_window_hours(refund_window_hours);
  p.set_inquiry_window_hours(refund_window_hours);
  return p;
}

TEST(BalanceProjection, TheWindowIsThatOfThePolicyInForceAtTNotAtTheGrant) {
  CustomerState c = CustomerWith({Purchase("p1", 100, 100, 1000)});
  // Shortened to a day an hour after the purchase: two days on, the lot
  // is no longer refundable, though the default week has not passed.
  PolicyBook shorter;
  shorter.Add(Policy("short", kT0 + Hours(1), 24));
  EXPECT_EQ(ComputeBalance(c, shorter, kT0 + Hours(24)).refundable_credits, 100);
  EXPECT_EQ(ComputeBalance(c, shorter, kT0 + Hours(48)).refundable_credits, 0);
  // Lengthened to a month from tomorrow: ten days on, still refundable; but
  // before the new version is in force, the default week applies.
  PolicyBook longer;
  longer.Add(Policy("long", kT0 + Hours(24), 720));
  EXPECT_EQ(ComputeBalance(c, longer, kT0 + Hours(240)).refundable_credits, 100);
  PolicyBook later;
  later.Add(Policy("long-later", kT0 + Hours(300), 720));
  EXPECT_EQ(ComputeBalance(c, later, kT0 + Hours(240)).refundable_credits, 0);
}

}  // namespace
}  // namespace ledger
