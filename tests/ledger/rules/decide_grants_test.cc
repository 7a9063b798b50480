// Decide for purchase, subscribe, renew, cancel_subscription, compensate.
#include "tests/ledger/rules/decide_fixture.h"

namespace ledger::testing {
namespace {

constexpr char kT0[] = "2026-03-08T10:00:00Z";
constexpr char kT1[] = "2026-03-08T11:00:00Z";

std::string Subscribe(const std::string& c, const std::string& at, const std::string& id,
                      const std::string& period_end, const std::string& extra = "") {
  return Cmd(c, at, "subscribe",
             absl::StrCat(R"("period_id":")", id,
                          R"(","plan":"pro","credits":50,"amount_minor":500,"currency":"EUR","period_end":")",
                          period_end, R"(")", extra));
}

std::string Renew(const std::string& c, const std::string& at, const std::string& id,
                  const std::string& period_end) {
  return Cmd(c, at, "renew",
             absl::StrCat(R"("period_id":")", id, R"(","credits":50,"amount_minor":500,"period_end":")",
                          period_end, R"(")"));
}

std::string Compensate(const std::string& c, const std::string& at, const std::string& id,
                       const std::string& usage, int64_t credits) {
  return Cmd(c, at, "compensate",
             absl::StrCat(R"("adjustment_id":")", id, R"(","usage_id":")", usage,
                          R"(","credits":)", credits, R"(,"verified_by":"support:alice")"));
}

TEST_F(DecideTest, PurchaseOpensTheCustomerAndGrantsALot) {
  Ok(Buy("c1", kT0, "p1", 100, 1999, "2026-06-08T10:00:00Z"));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"customer_opened", "lot_granted"}));
  const v1::LotState& lot = last_event_.effects(1).lot_granted().lot();
  EXPECT_EQ(lot.lot_id(), "p1");
  EXPECT_EQ(lot.source(), v1::PURCHASE);
  EXPECT_EQ(lot.granted(), 100);
  EXPECT_EQ(lot.remaining(), 100);
  EXPECT_EQ(lot.granted_at_us(), Us(kT0));
  EXPECT_EQ(lot.expires_at_us(), Us("2026-06-08T10:00:00Z"));
  EXPECT_EQ(lot.grant_index(), 0u);
  EXPECT_EQ(last_event_.header().policy_version(), "2026-03-07");
  EXPECT_EQ(C("c1").header.status(), v1::ACTIVE);
}

TEST_F(DecideTest, PurchasePostsCreditsSoldAndPrepaidCash) {
  Ok(Buy("c1", kT0, "p1", 100, 1999));
  EXPECT_EQ(Posted(v1::CREDITS_SOLD), 100);
  EXPECT_EQ(Posted(v1::CUSTOMER_LOTS), -100);
  EXPECT_EQ(Posted(v1::CASH, "USD"), 1999);
  EXPECT_EQ(Posted(v1::CUSTOMER_PREPAID, "USD"), -1999);
  EXPECT_EQ(last_event_.postings_size(), 4);
}

TEST_F(DecideTest, FreePurchasePostsNoCash) {
  Ok(Buy("c1", kT0, "p1", 100, 0));
  EXPECT_EQ(last_event_.postings_size(), 2);
}

TEST_F(DecideTest, SecondPurchaseOfAnExistingCustomerHasNextGrantIndex) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Buy("c1", kT0, "p2", 100));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"lot_granted"}));
  EXPECT_EQ(last_event_.effects(0).lot_granted().lot().grant_index(), 1u);
}

TEST_F(DecideTest, PurchaseWithATakenLotIdIsDuplicate) {
  Ok(Subscribe("c1", kT0, "s1", "2026-04-08T10:00:00Z"));
  EXPECT_EQ(Code(Buy("c1", kT1, "s1", 10)), "DUPLICATE_ID");
}

TEST_F(DecideTest, PurchaseAboveTheCustomerLimitIsLimitExceeded) {
  for (int i = 0; i < 1000; ++i) {
    Ok(Buy("c1", kT0, absl::StrCat("p", i), 1000000000000000));
  }
  EXPECT_EQ(C("c1").TotalRemaining(), 1000000000000000000);
  EXPECT_EQ(Code(Buy("c1", kT0, "one-more", 1)), "LIMIT_EXCEEDED");
}

TEST_F(DecideTest, DuplicateIdBeatsLimitExceeded) {
  for (int i = 0; i < 1000; ++i) {
    Ok(Buy("c1", kT0, absl::StrCat("p", i), 1000000000000000));
  }
  EXPECT_EQ(Code(Buy("c1", kT0, "p0", 1)), "DUPLICATE_ID");
}

TEST_F(DecideTest, HeldAndRefundPendingCountTowardsTheLimit) {
  for (int i = 0; i < 1000; ++i) {
    Ok(Buy("c1", kT0, absl::StrCat("p", i), 1000000000000000));
  }
  Ok(Cmd("c1", kT0, "hold", R"("hold_id":"h1","credits":5,"expires_at":"2026-03-09T00:00:00Z")"));
  Ok(Cmd("c1", kT0, "request_refund", R"("refund_id":"r1","purchase_id":"p999")"));
  EXPECT_EQ(Code(Buy("c1", kT0, "x", 1)), "LIMIT_EXCEEDED");
  Ok(Spend("c1", kT0, "u1", 1));
  EXPECT_EQ(Code(Buy("c1", kT0, "x", 1)), "ACCEPTED");
}

TEST_F(DecideTest, SubscribeStartsTheSubscriptionThenGrantsALotExpiringAtPeriodEnd) {
  Ok(Subscribe("c1", kT0, "s1", "2026-04-08T10:00:00Z"));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"customer_opened", "subscription_started",
                                                     "lot_granted"}));
  const v1::SubscriptionState& s = C("c1").header.subscription();
  EXPECT_EQ(s.plan(), "pro");
  EXPECT_EQ(s.currency(), "EUR");
  EXPECT_EQ(s.period_end_us(), Us("2026-04-08T10:00:00Z"));
  EXPECT_FALSE(s.cancelled());
  EXPECT_EQ(s.last_period_id(), "s1");
  const v1::LotState* lot = C("c1").FindLot("s1");
  ASSERT_NE(lot, nullptr);
  EXPECT_EQ(lot->source(), v1::SUBSCRIPTION);
  EXPECT_EQ(lot->expires_at_us(), Us("2026-04-08T10:00:00Z"));
  EXPECT_EQ(Posted(v1::SUBSCRIPTION_REVENUE, "EUR"), -500);
  EXPECT_EQ(Posted(v1::CASH, "EUR"), 500);
}

TEST_F(DecideTest, SubscribeCreditsMayExpireBeforeThePeriodEnds) {
  Ok(Subscribe("c1", kT0, "s1", "2026-04-08T10:00:00Z",
               R"(,"credits_expire_at":"2026-03-20T00:00:00Z")"));
  EXPECT_EQ(C("c1").FindLot("s1")->expires_at_us(), Us("2026-03-20T00:00:00Z"));
}

TEST_F(DecideTest, SubscribeWhileOneIsInForceIsAlreadySubscribed) {
  Ok(Subscribe("c1", kT0, "s1", "2026-04-08T10:00:00Z"));
  EXPECT_EQ(Code(Subscribe("c1", kT1, "s2", "2026-05-08T10:00:00Z")), "ALREADY_SUBSCRIBED");
  EXPECT_EQ(Code(Subscribe("c1", kT1, "s1", "2026-05-08T10:00:00Z")), "DUPLICATE_ID");
  Ok(Cmd("c1", kT1, "cancel_subscription", ""));
  // Cancelled but still in force until its period end.
  EXPECT_EQ(Code(Subscribe("c1", "2026-04-08T09:59:59Z", "s2", "2026-05-08T10:00:00Z")),
            "ALREADY_SUBSCRIBED");
  Ok(Subscribe("c1", "2026-04-08T10:00:00Z", "s2", "2026-05-08T10:00:00Z"));
  EXPECT_EQ(C("c1").header.subscription().last_period_id(), "s2");
  EXPECT_FALSE(C("c1").header.subscription().cancelled());
}

TEST_F(DecideTest, RenewChargesTheSubscriptionCurrencyAndMovesThePeriodEnd) {
  Ok(Subscribe("c1", kT0, "s1", "2026-04-08T10:00:00Z"));
  Ok(Renew("c1", "2026-04-08T10:00:00Z", "s2", "2026-05-08T10:00:00Z"));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"subscription_renewed", "lot_granted"}));
  EXPECT_EQ(C("c1").header.subscription().period_end_us(), Us("2026-05-08T10:00:00Z"));
  EXPECT_EQ(C("c1").header.subscription().last_period_id(), "s2");
  EXPECT_EQ(C("c1").FindLot("s2")->currency(), "EUR");
  EXPECT_EQ(C("c1").FindLot("s2")->grant_index(), 1u);
  EXPECT_EQ(Posted(v1::SUBSCRIPTION_REVENUE, "EUR"), -500);
}

TEST_F(DecideTest, RenewChecksComeInSpecOrder) {
  Ok(Buy("c1", kT0, "p1", 10));
  EXPECT_EQ(Code(Renew("c1", kT0, "p1", "2026-05-08T10:00:00Z")), "NO_SUBSCRIPTION");
  Ok(Subscribe("c1", kT0, "s1", "2026-04-08T10:00:00Z"));
  EXPECT_EQ(Code(Renew("c1", kT1, "s1", "2026-05-08T10:00:00Z")), "DUPLICATE_ID");
  EXPECT_EQ(Code(Renew("c1", kT1, "s2", "2026-05-08T10:00:00Z")), "RENEWAL_NOT_DUE");
  Ok(Cmd("c1", kT1, "cancel_subscription", ""));
  EXPECT_EQ(Code(Renew("c1", kT1, "s2", "2026-05-08T10:00:00Z")), "SUBSCRIPTION_CANCELLED");
  EXPECT_EQ(Code(Renew("c1", "2026-04-09T00:00:00Z", "s2", "2026-05-08T10:00:00Z")),
            "SUBSCRIPTION_CANCELLED");
}

TEST_F(DecideTest, CancelSubscriptionNeedsOneInForceAndNotCancelled) {
  Ok(Buy("c1", kT0, "p1", 10));
  EXPECT_EQ(Code(Cmd("c1", kT0, "cancel_subscription", "")), "NO_SUBSCRIPTION");
  Ok(Subscribe("c1", kT0, "s1", "2026-04-08T10:00:00Z"));
  Ok(Cmd("c1", kT1, "cancel_subscription", ""));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"subscription_cancelled"}));
  EXPECT_EQ(last_event_.postings_size(), 0);
  EXPECT_EQ(Code(Cmd("c1", kT1, "cancel_subscription", "")), "SUBSCRIPTION_CANCELLED");
  EXPECT_EQ(Code(Cmd("c1", "2026-04-08T10:00:00Z", "cancel_subscription", "")),
            "NO_SUBSCRIPTION");
}

TEST_F(DecideTest, AnUncancelledSubscriptionPastItsPeriodEndCanStillBeCancelled) {
  Ok(Subscribe("c1", kT0, "s1", "2026-04-08T10:00:00Z"));
  EXPECT_EQ(Code(Cmd("c1", "2026-05-01T00:00:00Z", "cancel_subscription", "")), "ACCEPTED");
}

TEST_F(DecideTest, CompensationGrantsACompensationLotForTheUsage) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Spend("c1", kT0, "u1", 40));
  Ok(Compensate("c1", kT1, "a1", "u1", 15));
  const v1::LotState* lot = C("c1").FindLot("a1");
  ASSERT_NE(lot, nullptr);
  EXPECT_EQ(lot->source(), v1::COMPENSATION);
  EXPECT_EQ(lot->amount_minor(), 0);
  EXPECT_EQ(lot->currency(), "");
  EXPECT_EQ(lot->compensates_usage_id(), "u1");
  EXPECT_FALSE(lot->has_expires_at_us());
  EXPECT_EQ(C("c1").FindUsage("u1")->compensated(), 15);
  EXPECT_EQ(Posted(v1::CREDITS_COMPENSATION), 15);
  EXPECT_EQ(Posted(v1::CUSTOMER_LOTS), -15);
  EXPECT_EQ(last_event_.postings_size(), 2);
}

TEST_F(DecideTest, CompensationChecksComeInSpecOrder) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Spend("c1", kT0, "u1", 40));
  EXPECT_EQ(Code(Compensate("c1", kT1, "p1", "u9", 1)), "UNKNOWN_USAGE");
  EXPECT_EQ(Code(Compensate("c1", "2026-04-01T00:00:00Z", "p1", "u1", 99)), "DUPLICATE_ID");
  EXPECT_EQ(Code(Compensate("c1", "2026-03-15T10:00:00.000001Z", "a1", "u1", 99)),
            "INQUIRY_WINDOW_CLOSED");
  EXPECT_EQ(Code(Compensate("c1", "2026-03-15T10:00:00Z", "a1", "u1", 41)), "EXCEEDS_USAGE");
  Ok(Compensate("c1", "2026-03-15T10:00:00Z", "a1", "u1", 30));
  EXPECT_EQ(Code(Compensate("c1", "2026-03-15T10:00:00Z", "a2", "u1", 11)), "EXCEEDS_USAGE");
  Ok(Compensate("c1", "2026-03-15T10:00:00Z", "a2", "u1", 10));
}

TEST_F(DecideTest, InquiryWindowIsThatOfThePolicyInForceAtTheCommand) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Spend("c1", kT0, "u1", 40));
  Ok(Cmd("", kT1, "set_policy",
         R"("version":"v2","refund_window_hours":24,"inquiry_window_hours":2)"));
  EXPECT_EQ(Code(Compensate("c1", "2026-03-08T12:00:01Z", "a1", "u1", 1)),
            "INQUIRY_WINDOW_CLOSED");
  Decision d = Run(Compensate("c1", "2026-03-08T12:00:00Z", "a1", "u1", 1));
  EXPECT_TRUE(d.accepted) << d.message;
  EXPECT_EQ(last_event_.header().policy_version(), "v2");
}

TEST_F(DecideTest, CompensationLotIsSpentBeforeOthersOfTheSameExpiry) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Spend("c1", kT0, "u1", 40));
  Ok(Compensate("c1", kT1, "a1", "u1", 10));
  Ok(Spend("c1", kT1, "u2", 15));
  const auto& draws = last_event_.effects(0).usage_recorded().draws();
  ASSERT_EQ(draws.size(), 2);
  EXPECT_EQ(draws[0].lot_id(), "a1");
  EXPECT_EQ(draws[0].credits(), 10);
  EXPECT_EQ(draws[1].lot_id(), "p1");
  EXPECT_EQ(draws[1].credits(), 5);
}

TEST_F(DecideTest, RejectionMessageSaysWhatAndWhy) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Spend("c1", kT0, "u1", 40));
  Decision d = Run(Compensate("c1", "2026-03-20T00:00:00Z", "a1", "u1", 1));
  EXPECT_EQ(d.code, v1::INQUIRY_WINDOW_CLOSED);
  EXPECT_NE(d.message.find("u1"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("168h"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("2026-03-07"), std::string::npos) << d.message;
}

}  // namespace
}  // namespace ledger::testing
