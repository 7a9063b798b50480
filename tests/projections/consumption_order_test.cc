// docs/contract.md section 2, tested on the fold itself
// (projections/consumption_order.h): earliest expiry first and lots without
// expiry last, then COMPENSATION, SUBSCRIPTION, PURCHASE, then grant order;
// each draw takes min(remaining, still needed); a lot expired at T is neither
// available nor drawn from.
#include "projections/consumption_order.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/projections/lots.h"

namespace ledger {
namespace {

using testing::CustomerWith;
using testing::Hours;
using testing::kT0;
using testing::MakeLot;
using testing::OrderOf;

// "lot:credits" per draw, in the order drawn.
std::vector<std::string> Drawn(const std::vector<v1::Draw>& draws) {
  std::vector<std::string> out;
  for (const v1::Draw& d : draws) {
    out.push_back(absl::StrCat(d.lot_id(), ":", d.credits()));
  }
  return out;
}

TEST(ConsumptionOrder, EarliestExpiryComesFirstAndLotsWithoutExpiryLast) {
  CustomerState c = CustomerWith({
      MakeLot({.id = "never"}),
      MakeLot({.id = "in-two-days", .expires_at_us = kT0 + Hours(48)}),
      MakeLot({.id = "tomorrow", .expires_at_us = kT0 + Hours(24)}),
  });
  EXPECT_EQ(OrderOf(c),
            (std::vector<std::string>{"tomorrow", "in-two-days", "never"}));
}

TEST(ConsumptionOrder, EarlierExpiryWinsOverSource) {
  CustomerState c = CustomerWith({
      MakeLot({.id = "purchase", .expires_at_us = kT0 + Hours(1)}),
      MakeLot({.id = "compensation", .source = v1::COMPENSATION,
               .expires_at_us = kT0 + Hours(2)}),
  });
  EXPECT_EQ(OrderOf(c), (std::vector<std::string>{"purchase", "compensation"}));
}

TEST(ConsumptionOrder, OnEqualExpiryCompensationThenSubscriptionThenPurchase) {
  for (bool with_expiry : {true, false}) {
    std::optional<int64_t> exp;
    if (with_expiry) exp = kT0 + Hours(24);
    CustomerState c = CustomerWith({
        MakeLot({.id = "p", .source = v1::PURCHASE, .expires_at_us = exp}),
        MakeLot({.id = "s", .source = v1::SUBSCRIPTION, .expires_at_us = exp}),
        MakeLot({.id = "c", .source = v1::COMPENSATION, .expires_at_us = exp}),
    });
    EXPECT_EQ(OrderOf(c), (std::vector<std::string>{"c", "s", "p"}))
        << (with_expiry ? "with" : "without") << " expiry";
  }
}

// Enough equal lots that an unstable sort would reorder them if grant order
// were not the last key.
TEST(ConsumptionOrder, OnEqualExpiryAndSourceGrantOrderDecides) {
  std::vector<v1::LotState> lots;
  std::vector<std::string> expected_tail;
  std::vector<std::string> expected_head;
  for (int i = 0; i < 64; ++i) {
    const std::string id = absl::StrCat("lot", i);
    if (i % 2 == 0) {
      lots.push_back(MakeLot({.id = id, .expires_at_us = kT0 + Hours(24)}));
      expected_head.push_back(id);
    } else {
      lots.push_back(MakeLot({.id = id}));
      expected_tail.push_back(id);
    }
  }
  std::vector<std::string> expected = expected_head;
  expected.insert(expected.end(), expected_tail.begin(), expected_tail.end());
  EXPECT_EQ(OrderOf(CustomerWith(lots)), expected);
}

TEST(ConsumptionOrder, EachDrawTakesTheLesserOfRemainingAndStillNeeded) {
  CustomerState c = CustomerWith({
      MakeLot({.id = "last", .granted = 100}),
      MakeLot({.id = "second", .granted = 80, .remaining = 50,
               .expires_at_us = kT0 + Hours(48)}),
      MakeLot({.id = "first", .granted = 30, .expires_at_us = kT0 + Hours(24)}),
  });
  EXPECT_EQ(Drawn(PlanDraws(c, kT0, 10, v1::AI_PROCESSING)),
            (std::vector<std::string>{"first:10"}));
  EXPECT_EQ(Drawn(PlanDraws(c, kT0, 30, v1::AI_PROCESSING)),
            (std::vector<std::string>{"first:30"}));
  EXPECT_EQ(Drawn(PlanDraws(c, kT0, 80, v1::AI_PROCESSING)),
            (std::vector<std::string>{"first:30", "second:50"}));
  EXPECT_EQ(Drawn(PlanDraws(c, kT0, 100, v1::AI_PROCESSING)),
            (std::vector<std::string>{"first:30", "second:50", "last:20"}));
  EXPECT_EQ(Drawn(PlanDraws(c, kT0, 180, v1::AI_PROCESSING)),
            (std::vector<std::string>{"first:30", "second:50", "last:100"}));
}

TEST(ConsumptionOrder, DrawsSkipEmptyLotsAndLotsExpiredAtTheCommandsTime) {
  const int64_t at = kT0 + Hours(24);
  CustomerState c = CustomerWith({
      MakeLot({.id = "live", .granted = 100}),
      MakeLot({.id = "expires-now", .expires_at_us = at}),
      MakeLot({.id = "empty", .granted = 10, .remaining = 0,
               .expires_at_us = at + 1}),
      MakeLot({.id = "expires-next", .granted = 5, .expires_at_us = at + 1}),
  });
  EXPECT_EQ(Drawn(PlanDraws(c, at, 50, v1::AI_PROCESSING)),
            (std::vector<std::string>{"expires-next:5", "live:45"}));
  // One microsecond earlier the lot that expires at `at` is still good.
  EXPECT_EQ(Drawn(PlanDraws(c, at - 1, 50, v1::AI_PROCESSING)),
            (std::vector<std::string>{"expires-now:50"}));
}

TEST(ConsumptionOrder, AvailableExcludesLotsExpiredAtThatTime) {
  const int64_t at = kT0 + Hours(24);
  CustomerState c = CustomerWith({
      MakeLot({.id = "a", .granted = 100, .remaining = 70}),
      MakeLot({.id = "b", .granted = 40, .expires_at_us = at}),
  });
  EXPECT_EQ(AvailableAt(c, at - 1), 110);
  EXPECT_EQ(AvailableAt(c, at), 70);
  EXPECT_TRUE(LotExpiredAt(c.lots[1], at));
  EXPECT_FALSE(LotExpiredAt(c.lots[1], at - 1));
  EXPECT_FALSE(LotExpiredAt(c.lots[0], kMaxTimeUs));
}

}  // namespace
}  // namespace ledger
