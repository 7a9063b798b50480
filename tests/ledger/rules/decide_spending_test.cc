// Decide for use, hold, capture, release.
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

std::string CaptureHold(const std::string& c, const std::string& at, const std::string& hold,
                        const std::string& usage, int64_t credits) {
  return Cmd(c, at, "capture",
             absl::StrCat(R"("hold_id":")", hold, R"(","usage_id":")", usage,
                          R"(","category":"AUTOMATED_CALL","credits":)", credits,
                          R"(,"provider":"TWILIO","campaign_id":"camp1","call_id":"call-9")"));
}

std::string ReleaseHold(const std::string& c, const std::string& at, const std::string& hold) {
  return Cmd(c, at, "release", absl::StrCat(R"("hold_id":")", hold, R"(")"));
}

TEST_F(DecideTest, UseTakesEarliestExpiringLotFirst) {
  Ok(Buy("c1", kT0, "never", 100));
  Ok(Buy("c1", kT0, "late", 100, 1000, "2026-05-01T00:00:00Z"));
  Ok(Buy("c1", kT0, "soon", 30, 1000, "2026-04-01T00:00:00Z"));
  Ok(Spend("c1", kT1, "u1", 150));
  const auto& draws = last_event_.effects(0).usage_recorded().draws();
  ASSERT_EQ(draws.size(), 3);
  EXPECT_EQ(draws[0].lot_id(), "soon");
  EXPECT_EQ(draws[0].credits(), 30);
  EXPECT_EQ(draws[1].lot_id(), "late");
  EXPECT_EQ(draws[1].credits(), 100);
  EXPECT_EQ(draws[2].lot_id(), "never");
  EXPECT_EQ(draws[2].credits(), 20);
  EXPECT_EQ(Remaining("c1", "never"), 80);
  EXPECT_EQ(Posted(v1::CUSTOMER_LOTS), 150);
  EXPECT_EQ(Posted(v1::CREDITS_CONSUMED), -150);
}

TEST_F(DecideTest, UseRecordsTheUsageAsGiven) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Cmd("c1", kT1, "use",
         R"("usage_id":"u1","category":"TELEPHONY_USAGE","credits":3,"provider":"TELNYX","campaign_id":"cmp","call_id":"call1")"));
  const v1::UsageState* u = C("c1").FindUsage("u1");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->category(), v1::TELEPHONY_USAGE);
  EXPECT_EQ(u->provider(), v1::TELNYX);
  EXPECT_EQ(u->campaign_id(), "cmp");
  EXPECT_EQ(u->call_id(), "call1");
  EXPECT_EQ(u->at_us(), Us(kT1));
  EXPECT_EQ(u->hold_id(), "");
}

TEST_F(DecideTest, ExpiredLotsAreNotAvailable) {
  Ok(Buy("c1", kT0, "p1", 100, 1000, "2026-03-09T00:00:00Z"));
  EXPECT_EQ(Code(Spend("c1", "2026-03-09T00:00:00Z", "u1", 1)), "INSUFFICIENT_CREDITS");
  EXPECT_EQ(Code(Spend("c1", "2026-03-08T23:59:59Z", "u1", 100)), "ACCEPTED");
}

TEST_F(DecideTest, UseWithATakenUsageIdIsDuplicateEvenWhenCreditsAreShort) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Spend("c1", kT0, "u1", 10));
  EXPECT_EQ(Code(Spend("c1", kT0, "u1", 1000)), "DUPLICATE_ID");
  EXPECT_EQ(Code(Spend("c1", kT0, "u2", 91)), "INSUFFICIENT_CREDITS");
}

TEST_F(DecideTest, InsufficientCreditsMessageGivesTheNumbers) {
  Ok(Buy("c1", kT0, "p1", 100));
  Decision d = Run(Spend("c1", kT0, "u1", 101));
  EXPECT_EQ(d.code, v1::INSUFFICIENT_CREDITS);
  EXPECT_NE(d.message.find("100"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("101"), std::string::npos) << d.message;
}

TEST_F(DecideTest, HoldReservesCreditsInConsumptionOrder) {
  Ok(Buy("c1", kT0, "p1", 10, 1000, "2026-04-01T00:00:00Z"));
  Ok(Buy("c1", kT0, "p2", 100));
  Ok(PlaceHold("c1", kT1, "h1", 25));
  const v1::HoldState& h = last_event_.effects(0).hold_placed().hold();
  EXPECT_EQ(h.status(), v1::HOLD_PENDING);
  EXPECT_EQ(h.placed_at_us(), Us(kT1));
  EXPECT_EQ(h.expires_at_us(), Us("2026-03-09T00:00:00Z"));
  ASSERT_EQ(h.portions_size(), 2);
  EXPECT_EQ(h.portions(0).lot_id(), "p1");
  EXPECT_EQ(h.portions(0).credits(), 10);
  EXPECT_EQ(h.portions(1).lot_id(), "p2");
  EXPECT_EQ(h.portions(1).credits(), 15);
  EXPECT_EQ(C("c1").header.held(), 25);
  EXPECT_EQ(Posted(v1::CUSTOMER_HELD), -25);
  EXPECT_EQ(Code(Spend("c1", kT1, "u1", 86)), "INSUFFICIENT_CREDITS");
}

TEST_F(DecideTest, HoldChecksComeInSpecOrder) {
  Ok(Buy("c1", kT0, "p1", 10));
  Ok(PlaceHold("c1", kT0, "h1", 5));
  EXPECT_EQ(Code(PlaceHold("c1", kT0, "h1", 500)), "DUPLICATE_ID");
  EXPECT_EQ(Code(PlaceHold("c1", kT0, "h2", 6)), "INSUFFICIENT_CREDITS");
}

TEST_F(DecideTest, CaptureReturnsUnusedPortionsToTheirOwnLots) {
  Ok(Buy("c1", kT0, "p1", 10, 1000, "2026-04-01T00:00:00Z"));
  Ok(Buy("c1", kT0, "p2", 100));
  Ok(PlaceHold("c1", kT0, "h1", 30));  // 10 from p1, 20 from p2
  Ok(CaptureHold("c1", kT1, "h1", "u1", 12));
  const v1::HoldCaptured& c = last_event_.effects(0).hold_captured();
  ASSERT_EQ(c.spent_size(), 2);
  EXPECT_EQ(c.spent(0).lot_id(), "p1");
  EXPECT_EQ(c.spent(0).credits(), 10);
  EXPECT_EQ(c.spent(1).lot_id(), "p2");
  EXPECT_EQ(c.spent(1).credits(), 2);
  ASSERT_EQ(c.returned_size(), 1);  // nothing left of p1's portion
  EXPECT_EQ(c.returned(0).lot_id(), "p2");
  EXPECT_EQ(c.returned(0).credits(), 18);
  EXPECT_EQ(Remaining("c1", "p1"), 0);
  EXPECT_EQ(Remaining("c1", "p2"), 98);
  EXPECT_EQ(C("c1").header.held(), 0);
  EXPECT_EQ(C("c1").FindHold("h1")->status(), v1::HOLD_CAPTURED);
  const v1::UsageState* u = C("c1").FindUsage("u1");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->hold_id(), "h1");
  EXPECT_EQ(u->credits(), 12);
  EXPECT_EQ(u->provider(), v1::TWILIO);
  EXPECT_EQ(Posted(v1::CUSTOMER_HELD), 30);
  EXPECT_EQ(Posted(v1::CREDITS_CONSUMED), -12);
  EXPECT_EQ(Posted(v1::CUSTOMER_LOTS), -18);
}

TEST_F(DecideTest, CapturingTheWholeHoldReturnsNothing) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(PlaceHold("c1", kT0, "h1", 30));
  Ok(CaptureHold("c1", kT1, "h1", "u1", 30));
  EXPECT_EQ(last_event_.effects(0).hold_captured().returned_size(), 0);
  EXPECT_EQ(Posted(v1::CUSTOMER_LOTS), 0);
}

TEST_F(DecideTest, CaptureChecksComeInSpecOrder) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Spend("c1", kT0, "u1", 1));
  Ok(PlaceHold("c1", kT0, "h1", 10, "2026-03-08T12:00:00Z"));
  EXPECT_EQ(Code(CaptureHold("c1", kT0, "h9", "u1", 11)), "UNKNOWN_HOLD");
  EXPECT_EQ(Code(CaptureHold("c1", kT0, "h1", "u1", 11)), "DUPLICATE_ID");
  EXPECT_EQ(Code(CaptureHold("c1", "2026-03-08T12:00:00Z", "h1", "u2", 11)), "HOLD_EXPIRED");
  EXPECT_EQ(Code(CaptureHold("c1", "2026-03-08T11:59:59Z", "h1", "u2", 11)),
            "CAPTURE_EXCEEDS_HOLD");
  Ok(ReleaseHold("c1", "2026-03-08T11:59:59Z", "h1"));
  EXPECT_EQ(Code(CaptureHold("c1", "2026-03-08T12:00:00Z", "h1", "u2", 11)),
            "HOLD_NOT_PENDING");
}

TEST_F(DecideTest, ReleaseReturnsEveryPortion) {
  Ok(Buy("c1", kT0, "p1", 10, 1000, "2026-04-01T00:00:00Z"));
  Ok(Buy("c1", kT0, "p2", 100));
  Ok(PlaceHold("c1", kT0, "h1", 30));
  Ok(ReleaseHold("c1", kT1, "h1"));
  const v1::HoldReleased& r = last_event_.effects(0).hold_released();
  EXPECT_EQ(r.cause(), v1::RELEASE_REQUESTED);
  ASSERT_EQ(r.returned_size(), 2);
  EXPECT_EQ(Remaining("c1", "p1"), 10);
  EXPECT_EQ(Remaining("c1", "p2"), 100);
  EXPECT_EQ(Posted(v1::CUSTOMER_HELD), 30);
  EXPECT_EQ(Posted(v1::CUSTOMER_LOTS), -30);
  EXPECT_EQ(Code(ReleaseHold("c1", kT1, "h1")), "HOLD_NOT_PENDING");
  EXPECT_EQ(Code(ReleaseHold("c1", kT1, "h9")), "UNKNOWN_HOLD");
}

TEST_F(DecideTest, AnExpiredHoldCanStillBeReleased) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(PlaceHold("c1", kT0, "h1", 30, "2026-03-08T10:30:00Z"));
  EXPECT_EQ(Code(ReleaseHold("c1", kT1, "h1")), "ACCEPTED");
}

TEST_F(DecideTest, HeldCreditsGoBackToALotThatExpiredMeanwhile) {
  Ok(Buy("c1", kT0, "p1", 100, 1000, "2026-03-08T10:30:00Z"));
  Ok(PlaceHold("c1", kT0, "h1", 30));
  Ok(ReleaseHold("c1", kT1, "h1"));
  EXPECT_EQ(Remaining("c1", "p1"), 100);
  EXPECT_EQ(AvailableAt(C("c1"), Us(kT1)), 0);
}

}  // namespace
}  // namespace ledger::testing
