// docs/contract.md section 11, tested on the fold itself
// (projections/consumption_order.h): lower priority first, then expiry,
// then COMPENSATION, PROMOTIONAL, SUBSCRIPTION, PURCHASE, then grant order;
// a spending takes only from the lots that apply to its category, and a
// hold without category only from lots of every category.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "projections/balance.h"
#include "projections/consumption_order.h"
#include "tests/projections/lots.h"

namespace ledger {
namespace {

using testing::CustomerWith;
using testing::Hours;
using testing::kT0;
using testing::MakeLot;
using testing::OrderOf;

std::vector<std::string> Drawn(const std::vector<v1::Draw>& draws) {
  std::vector<std::string> out;
  for (const v1::Draw& d : draws) out.push_back(absl::StrCat(d.lot_id(), ":", d.credits()));
  return out;
}

TEST(ScopedConsumptionOrder, LowerPriorityComesBeforeEarlierExpiryAndSource) {
  CustomerState c = CustomerWith({
      MakeLot({.id = "bonus", .source = v1::PROMOTIONAL, .expires_at_us = kT0 + Hours(1)}),
      MakeLot({.id = "plan", .source = v1::SUBSCRIPTION,
               .expires_at_us = kT0 + Hours(700), .priority = 10}),
      MakeLot({.id = "last", .source = v1::COMPENSATION, .priority = 100}),
      MakeLot({.id = "first", .priority = 0}),
  });
  EXPECT_EQ(OrderOf(c), (std::vector<std::string>{"first", "plan", "bonus", "last"}));
}

TEST(ScopedConsumptionOrder, PromotionalComesBetweenCompensationAndSubscription) {
  const int64_t exp = kT0 + Hours(24);
  CustomerState c = CustomerWith({
      MakeLot({.id = "p", .source = v1::PURCHASE, .expires_at_us = exp}),
      MakeLot({.id = "s", .source = v1::SUBSCRIPTION, .expires_at_us = exp}),
      MakeLot({.id = "g", .source = v1::PROMOTIONAL, .expires_at_us = exp}),
      MakeLot({.id = "c", .source = v1::COMPENSATION, .expires_at_us = exp}),
  });
  EXPECT_EQ(OrderOf(c), (std::vector<std::string>{"c", "g", "s", "p"}));
}

TEST(ScopedConsumptionOrder, AnAbsentPriorityIsFiftyAndAStoredFiftyTheSame) {
  CustomerState c = CustomerWith({
      MakeLot({.id = "later", .priority = 51}),
      MakeLot({.id = "absent"}),
      MakeLot({.id = "fifty", .priority = 50}),
      MakeLot({.id = "sooner", .priority = 49}),
  });
  EXPECT_EQ(OrderOf(c), (std::vector<std::string>{"sooner", "absent", "fifty", "later"}));
  EXPECT_EQ(LotPriority(c.lots[1]), 50);
}

TEST(ScopedConsumptionOrder, ASpendingTakesOnlyFromTheLotsThatApplyToItsCategory) {
  CustomerState c = CustomerWith({
      MakeLot({.id = "general", .granted = 100}),
      MakeLot({.id = "tel", .granted = 30, .applies_to = {v1::TELEPHONY_USAGE},
               .priority = 20}),
  });
  EXPECT_EQ(Drawn(PlanDraws(c, kT0, 50, v1::TELEPHONY_USAGE)),
            (std::vector<std::string>{"tel:30", "general:20"}));
  EXPECT_EQ(Drawn(PlanDraws(c, kT0, 50, v1::AI_PROCESSING)),
            (std::vector<std::string>{"general:50"}));
  EXPECT_EQ(AvailableFor(c, kT0, v1::TELEPHONY_USAGE), 130);
  EXPECT_EQ(AvailableFor(c, kT0, v1::AI_PROCESSING), 100);
  EXPECT_EQ(AvailableAt(c, kT0), 130);
}

TEST(ScopedConsumptionOrder, AHoldWithoutCategoryTakesOnlyLotsOfEveryCategory) {
  CustomerState c = CustomerWith({
      MakeLot({.id = "general", .granted = 10}),
      MakeLot({.id = "tel", .granted = 30, .applies_to = {v1::TELEPHONY_USAGE},
               .priority = 0}),
  });
  EXPECT_EQ(AvailableFor(c, kT0, v1::CATEGORY_UNSPECIFIED), 10);
  EXPECT_EQ(Drawn(PlanDraws(c, kT0, 10, v1::CATEGORY_UNSPECIFIED)),
            (std::vector<std::string>{"general:10"}));
  EXPECT_FALSE(LotAppliesTo(c.lots[1], v1::CATEGORY_UNSPECIFIED));
  EXPECT_TRUE(LotAppliesTo(c.lots[0], v1::CATEGORY_UNSPECIFIED));
}

TEST(ScopedConsumptionOrder, BalanceListsAvailableByCategoryOnlyWhileAScopedLotIsUnexpired) {
  const int64_t exp = kT0 + Hours(24);
  CustomerState c = CustomerWith({
      MakeLot({.id = "general", .granted = 100, .remaining = 60}),
      MakeLot({.id = "calls", .granted = 30,
               .expires_at_us = exp,
               .applies_to = {v1::AUTOMATED_CALL, v1::TELEPHONY_USAGE}}),
  });
  PolicyBook policies;
  Balance before = ComputeBalance(c, policies, exp - 1);
  ASSERT_EQ(before.available_by_category.size(), 7u);
  for (const CategoryCredits& cc : before.available_by_category) {
    const bool scoped = cc.category == v1::AUTOMATED_CALL ||
                        cc.category == v1::TELEPHONY_USAGE;
    EXPECT_EQ(cc.credits, scoped ? 90 : 60) << v1::Category_Name(cc.category);
  }
  EXPECT_EQ(before.available, 90);
  EXPECT_EQ(before.lots[0].applies_to,
            (std::vector<v1::Category>{v1::AUTOMATED_CALL, v1::TELEPHONY_USAGE}));
  Balance after = ComputeBalance(c, policies, exp);
  EXPECT_TRUE(after.available_by_category.empty());
  EXPECT_EQ(after.available, 60);
}

}  // namespace
}  // namespace ledger
