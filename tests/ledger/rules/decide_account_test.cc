// Decide for expire, suspend, terminate, reinstate, forfeit, chargeback and
// set_policy.
#include "tests/ledger/rules/decide_fixture.h"

namespace ledger::testing {
namespace {

constexpr char kT0[] = "2026-03-08T10:00:00Z";
constexpr char kT1[] = "2026-03-08T11:00:00Z";

std::string PlaceHold(const std::string& c, const std::string& at, const std::string& id,
                      int64_t credits, const std::string& expires_at = "2026-03-09T00:00:00Z") {
  return Cmd(c, at, "hold",
             absl::StrCat(R"("hold_id":")", id, R"(","credits":)", credits,
                          R"(,"expires_at":")", expires_at, R"(")"));
}
std::string Request(const std::string& c, const std::string& at, const std::string& refund,
                    const std::string& purchase) {
  return Cmd(c, at, "request_refund",
             absl::StrCat(R"("refund_id":")", refund, R"(","purchase_id":")", purchase, R"(")"));
}
std::string Chargeback(const std::string& c, const std::string& at, const std::string& lot,
                       bool contacted) {
  return Cmd(c, at, "chargeback",
             absl::StrCat(R"("purchase_id":")", lot, R"(","contacted_support":)",
                          contacted ? "true" : "false"));
}

TEST_F(DecideTest, ExpireReleasesExpiredHoldsThenSweepsExpiredLots) {
  Ok(Buy("c1", kT0, "p1", 100, 1000, "2026-03-08T12:00:00Z"));
  Ok(Buy("c1", kT0, "p2", 100));
  Ok(PlaceHold("c1", kT0, "h2", 30, "2026-03-08T11:30:00Z"));   // from p1
  Ok(PlaceHold("c1", kT0, "h1", 20, "2026-03-08T11:00:00Z"));   // from p1
  Ok(PlaceHold("c1", kT0, "h3", 10, "2026-03-08T13:00:00Z"));   // from p1, not expired
  Ok(Cmd("c1", "2026-03-08T12:00:00Z", "expire", ""));
  EXPECT_EQ(EffectKinds(),
            (std::vector<std::string>{"hold_released", "hold_released", "lot_expired"}));
  EXPECT_EQ(last_event_.effects(0).hold_released().hold_id(), "h1");  // id order
  EXPECT_EQ(last_event_.effects(0).hold_released().cause(), v1::RELEASE_HOLD_EXPIRED);
  EXPECT_EQ(last_event_.effects(1).hold_released().hold_id(), "h2");
  // 40 left in p1 plus 50 back from h1 and h2; h3's 10 stay held.
  EXPECT_EQ(last_event_.effects(2).lot_expired().lot_id(), "p1");
  EXPECT_EQ(last_event_.effects(2).lot_expired().credits(), 90);
  EXPECT_EQ(Remaining("c1", "p1"), 0);
  EXPECT_EQ(C("c1").header.held(), 10);
  EXPECT_EQ(Posted(v1::CREDITS_EXPIRED), -90);
  EXPECT_EQ(Posted(v1::CUSTOMER_HELD), 50);
  EXPECT_EQ(Posted(v1::CUSTOMER_LOTS), 40);
}

TEST_F(DecideTest, ExpireWithNothingToDoIsAcceptedWithoutEffects) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Cmd("c1", kT1, "expire", ""));
  EXPECT_EQ(last_event_.effects_size(), 0);
  EXPECT_EQ(last_event_.postings_size(), 0);
}

TEST_F(DecideTest, ExpireSweepsLotsInGrantOrder) {
  Ok(Buy("c1", kT0, "late", 10, 1000, "2026-03-08T10:30:00Z"));
  Ok(Buy("c1", kT0, "early", 10, 1000, "2026-03-08T10:10:00Z"));
  Ok(Cmd("c1", kT1, "expire", ""));
  ASSERT_EQ(last_event_.effects_size(), 2);
  EXPECT_EQ(last_event_.effects(0).lot_expired().lot_id(), "late");
  EXPECT_EQ(last_event_.effects(1).lot_expired().lot_id(), "early");
}

TEST_F(DecideTest, SuspendReleasesHoldsAndDeniesRefunds) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Buy("c1", kT0, "p2", 50));
  Ok(PlaceHold("c1", kT0, "h1", 30));
  Ok(Request("c1", kT0, "r1", "p2"));
  Ok(Cmd("c1", kT1, "suspend", R"("reason":"FRAUD")"));
  EXPECT_EQ(EffectKinds(),
            (std::vector<std::string>{"status_changed", "hold_released", "refund_denied"}));
  const v1::StatusChanged& s = last_event_.effects(0).status_changed();
  EXPECT_EQ(s.from(), v1::ACTIVE);
  EXPECT_EQ(s.to(), v1::SUSPENDED);
  EXPECT_EQ(s.reason(), v1::FRAUD);
  EXPECT_EQ(last_event_.effects(1).hold_released().cause(), v1::RELEASE_ON_SUSPEND);
  EXPECT_EQ(last_event_.effects(2).refund_denied().cause(), v1::DENY_ON_SUSPEND);
  EXPECT_EQ(C("c1").header.held(), 0);
  EXPECT_EQ(C("c1").header.refund_pending(), 0);
  EXPECT_EQ(C("c1").TotalRemaining(), 150);
  EXPECT_EQ(Posted(v1::CUSTOMER_LOTS), -80);  // merged: 30 back from h1, 50 from r1
}

TEST_F(DecideTest, TerminateCancelsTheSubscription) {
  Ok(Cmd("c1", kT0, "subscribe",
         R"("period_id":"s1","plan":"pro","credits":5,"amount_minor":5,"currency":"USD","period_end":"2026-04-01T00:00:00Z")"));
  Ok(PlaceHold("c1", kT0, "h1", 1));
  Ok(Cmd("c1", kT1, "terminate", R"("reason":"SPAM_CALLING")"));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"status_changed", "hold_released",
                                                     "subscription_cancelled"}));
  EXPECT_EQ(last_event_.effects(1).hold_released().cause(), v1::RELEASE_ON_TERMINATE);
  EXPECT_EQ(C("c1").header.status(), v1::TERMINATED);
  EXPECT_TRUE(C("c1").header.subscription().cancelled());
}

TEST_F(DecideTest, TerminatingASuspendedCustomerChangesFromSuspended) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Cmd("c1", kT0, "suspend", R"("reason":"HARASSMENT")"));
  Ok(Cmd("c1", kT1, "terminate", R"("reason":"TELECOM_VIOLATION")"));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"status_changed"}));
  EXPECT_EQ(last_event_.effects(0).status_changed().from(), v1::SUSPENDED);
  EXPECT_EQ(last_event_.effects(0).status_changed().reason(), v1::TELECOM_VIOLATION);
}

TEST_F(DecideTest, ReinstateMakesASuspendedCustomerActive) {
  Ok(Buy("c1", kT0, "p1", 100));
  EXPECT_EQ(Code(Cmd("c1", kT0, "reinstate", "")), "NOT_SUSPENDED");
  Ok(Cmd("c1", kT0, "suspend", R"("reason":"ROBOCALL_ABUSE")"));
  Ok(Cmd("c1", kT1, "reinstate", ""));
  EXPECT_EQ(last_event_.effects(0).status_changed().reason(), v1::REINSTATED);
  EXPECT_EQ(C("c1").header.status(), v1::ACTIVE);
}

TEST_F(DecideTest, ForfeitTakesEveryLotNotExpired) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Buy("c1", kT0, "gone", 10, 1000, "2026-03-08T10:30:00Z"));
  Ok(Buy("c1", kT0, "p3", 5, 1000, "2026-05-01T00:00:00Z"));
  EXPECT_EQ(Code(Cmd("c1", kT0, "forfeit", "")), "NOT_SUSPENDED");
  Ok(Cmd("c1", kT0, "suspend", R"("reason":"FRAUD")"));
  Ok(Cmd("c1", kT1, "forfeit", ""));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"lot_forfeited", "lot_forfeited"}));
  EXPECT_EQ(last_event_.effects(0).lot_forfeited().lot_id(), "p1");
  EXPECT_EQ(last_event_.effects(1).lot_forfeited().lot_id(), "p3");
  EXPECT_EQ(Remaining("c1", "gone"), 10);  // left for expire
  EXPECT_EQ(Posted(v1::CREDITS_FORFEITED), -105);
}

TEST_F(DecideTest, ChargebackWithoutContactingSupportTerminatesThenClawsBack) {
  Ok(Buy("c1", kT0, "p1", 100, 1999));
  Ok(Buy("c1", kT0, "p2", 100, 500));
  Ok(Request("c1", kT0, "r1", "p1"));
  Ok(Chargeback("c1", kT1, "p1", false));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"status_changed", "refund_denied",
                                                     "lot_charged_back"}));
  EXPECT_EQ(last_event_.effects(0).status_changed().to(), v1::TERMINATED);
  EXPECT_EQ(last_event_.effects(0).status_changed().reason(), v1::CHARGEBACK);
  EXPECT_EQ(last_event_.effects(1).refund_denied().cause(), v1::DENY_ON_TERMINATE);
  const v1::LotChargedBack& cb = last_event_.effects(2).lot_charged_back();
  EXPECT_EQ(cb.credits(), 100);  // the denied refund's credits came back first
  EXPECT_EQ(cb.amount_minor(), 1999);
  EXPECT_EQ(cb.currency(), "USD");
  EXPECT_EQ(Remaining("c1", "p1"), 0);
  EXPECT_TRUE(C("c1").FindLot("p1")->charged_back());
  EXPECT_EQ(Posted(v1::CREDITS_CLAWED_BACK), -100);
  EXPECT_EQ(Posted(v1::CHARGEBACK_LOSSES, "USD"), 1999);
  EXPECT_EQ(Posted(v1::CASH, "USD"), -1999);
  // Allowed whatever the status: a second lot of a terminated customer.
  Ok(Chargeback("c1", kT1, "p2", false));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"lot_charged_back"}));
}

TEST_F(DecideTest, ChargebackAfterContactingSupportOnlySuspendsAnActiveCustomer) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Buy("c1", kT0, "p2", 100));
  Ok(Chargeback("c1", kT1, "p1", true));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"status_changed", "lot_charged_back"}));
  EXPECT_EQ(C("c1").header.status(), v1::SUSPENDED);
  Ok(Chargeback("c1", kT1, "p2", true));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"lot_charged_back"}));
  EXPECT_EQ(C("c1").header.status(), v1::SUSPENDED);
}

TEST_F(DecideTest, ChargebackOfAnExpiredLotClawsBackNothingButKeepsTheCash) {
  Ok(Buy("c1", kT0, "p1", 100, 700, "2026-03-08T10:30:00Z"));
  Ok(Chargeback("c1", kT1, "p1", true));
  const v1::LotChargedBack& cb = last_event_.effects(1).lot_charged_back();
  EXPECT_EQ(cb.credits(), 0);
  EXPECT_EQ(cb.amount_minor(), 700);
  EXPECT_EQ(Remaining("c1", "p1"), 100);
  EXPECT_TRUE(C("c1").FindLot("p1")->charged_back());
}

TEST_F(DecideTest, ChargebackNamesAPurchaseOrSubscriptionLotOnlyOnce) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Spend("c1", kT0, "u1", 10));
  Ok(Cmd("c1", kT0, "compensate",
         R"("adjustment_id":"a1","usage_id":"u1","credits":5,"verified_by":"ops")"));
  EXPECT_EQ(Code(Chargeback("c1", kT1, "nope", false)), "UNKNOWN_PURCHASE");
  EXPECT_EQ(Code(Chargeback("c1", kT1, "a1", false)), "UNKNOWN_PURCHASE");
  EXPECT_EQ(C("c1").header.status(), v1::ACTIVE);  // a rejection changes nothing
  Ok(Chargeback("c1", kT1, "p1", true));
  EXPECT_EQ(Code(Chargeback("c1", kT1, "p1", false)), "PURCHASE_CHARGED_BACK");
}

TEST_F(DecideTest, SetPolicyInstallsAVersionFromItsTime) {
  Ok(Cmd("", kT0, "set_policy",
         R"("version":"v2","refund_window_hours":24,"inquiry_window_hours":0)"));
  EXPECT_EQ(EffectKinds(), (std::vector<std::string>{"policy_set"}));
  const v1::PolicyState& p = last_event_.effects(0).policy_set().policy();
  EXPECT_EQ(p.version(), "v2");
  EXPECT_EQ(p.refund_window_hours(), 24);
  EXPECT_EQ(p.inquiry_window_hours(), 0);
  EXPECT_EQ(p.effective_from_us(), Us(kT0));
  EXPECT_EQ(last_event_.header().policy_version(), "2026-03-07");  // decided under the old
  EXPECT_EQ(last_event_.postings_size(), 0);
  EXPECT_EQ(state_.policies.InForceAt(Us(kT0)).version(), "v2");
  EXPECT_EQ(state_.policies.InForceAt(Us(kT0) - 1).version(), "2026-03-07");
}

TEST_F(DecideTest, SetPolicyEarlierThanTheLastOneWentBackwards) {
  Ok(Cmd("", kT1, "set_policy",
         R"("version":"v2","refund_window_hours":24,"inquiry_window_hours":24)"));
  EXPECT_EQ(Code(Cmd("", kT0, "set_policy",
                     R"("version":"v3","refund_window_hours":1,"inquiry_window_hours":1)")),
            "TIME_WENT_BACKWARDS");
  EXPECT_EQ(Code(Cmd("", kT1, "set_policy",
                     R"("version":"v3","refund_window_hours":1,"inquiry_window_hours":1)")),
            "ACCEPTED");
}

TEST_F(DecideTest, SetPolicyIgnoresCustomerTimes) {
  Ok(Buy("c1", "2026-05-01T00:00:00Z", "p1", 100));
  EXPECT_EQ(Code(Cmd("", kT0, "set_policy",
                     R"("version":"v2","refund_window_hours":1,"inquiry_window_hours":1)")),
            "ACCEPTED");
}

}  // namespace
}  // namespace ledger::testing
