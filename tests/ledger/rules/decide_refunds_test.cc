// Decide for request_refund, approve_refund, deny_refund.
#include "tests/ledger/rules/decide_fixture.h"

namespace ledger::testing {
namespace {

constexpr char kT0[] = "2026-03-01T10:00:00Z";
constexpr char kT1[] = "2026-03-01T11:00:00Z";

std::string Request(const std::string& c, const std::string& at, const std::string& refund,
                    const std::string& purchase) {
  return Cmd(c, at, "request_refund",
             absl::StrCat(R"("refund_id":")", refund, R"(","purchase_id":")", purchase, R"(")"));
}
std::string Approve(const std::string& c, const std::string& at, const std::string& refund) {
  return Cmd(c, at, "approve_refund", absl::StrCat(R"("refund_id":")", refund, R"(")"));
}
std::string Deny(const std::string& c, const std::string& at, const std::string& refund) {
  return Cmd(c, at, "deny_refund",
             absl::StrCat(R"("refund_id":")", refund, R"(","reason":"used the credits")"));
}

TEST_F(DecideTest, RefundRequestFreezesAllOfTheLotsRemaining) {
  Ok(Buy("c1", kT0, "p1", 1000, 1999));
  Ok(Spend("c1", kT0, "u1", 60));
  Ok(Request("c1", kT1, "r1", "p1"));
  const v1::RefundState& r = last_event_.effects(0).refund_requested().refund();
  EXPECT_EQ(r.lot_id(), "p1");
  EXPECT_EQ(r.credits(), 940);
  EXPECT_EQ(r.status(), v1::REFUND_PENDING);
  EXPECT_EQ(r.currency(), "USD");
  EXPECT_EQ(r.requested_at_us(), Us(kT1));
  EXPECT_EQ(Remaining("c1", "p1"), 0);
  EXPECT_EQ(C("c1").header.refund_pending(), 940);
  EXPECT_EQ(C("c1").FindLot("p1")->active_refund_id(), "r1");
  EXPECT_EQ(Posted(v1::CUSTOMER_REFUND_PENDING), -940);
}

TEST_F(DecideTest, RefundCashIsFloorOfProRataAmount) {
  Ok(Buy("c1", kT0, "p1", 1000, 1999));
  Ok(Spend("c1", kT0, "u1", 60));
  Ok(Request("c1", kT1, "r1", "p1"));
  Ok(Approve("c1", kT1, "r1"));
  const v1::RefundApproved& a = last_event_.effects(0).refund_approved();
  EXPECT_EQ(a.credits(), 940);
  EXPECT_EQ(a.cash_minor(), 1879);  // floor(1999 * 940 / 1000) = floor(1879.06)
  EXPECT_EQ(a.currency(), "USD");
  EXPECT_EQ(C("c1").header.refund_pending(), 0);
  EXPECT_EQ(C("c1").FindRefund("r1")->status(), v1::REFUND_APPROVED);
  EXPECT_EQ(Posted(v1::CREDITS_REFUNDED), -940);
  EXPECT_EQ(Posted(v1::CUSTOMER_PREPAID, "USD"), 1879);
  EXPECT_EQ(Posted(v1::REFUNDS_PAYABLE, "USD"), -1879);
}

TEST_F(DecideTest, RefundCashOfHugeAmountsDoesNotOverflow) {
  Ok(Buy("c1", kT0, "p1", 1000000000000000, 999999999999999));
  Ok(Spend("c1", kT0, "u1", 1));
  Ok(Request("c1", kT1, "r1", "p1"));
  Ok(Approve("c1", kT1, "r1"));
  // floor(999999999999999 * 999999999999999 / 10^15) = 999999999999998
  EXPECT_EQ(last_event_.effects(0).refund_approved().cash_minor(), 999999999999998);
}

TEST_F(DecideTest, DeniedRefundGivesTheCreditsBackToTheLot) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Request("c1", kT1, "r1", "p1"));
  Ok(Deny("c1", kT1, "r1"));
  const v1::RefundDenied& d = last_event_.effects(0).refund_denied();
  EXPECT_EQ(d.cause(), v1::DENY_REQUESTED);
  EXPECT_EQ(d.reason(), "used the credits");
  EXPECT_EQ(d.credits(), 100);
  EXPECT_EQ(Remaining("c1", "p1"), 100);
  EXPECT_EQ(C("c1").FindLot("p1")->active_refund_id(), "");
  EXPECT_EQ(Posted(v1::CUSTOMER_LOTS), -100);
  // A denied refund does not block a new request of the same lot.
  EXPECT_EQ(Code(Request("c1", kT1, "r2", "p1")), "ACCEPTED");
}

TEST_F(DecideTest, RequestRefundChecksComeInSpecOrder) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Buy("c1", kT0, "p2", 100));
  Ok(Cmd("c1", kT0, "subscribe",
         R"("period_id":"s1","plan":"pro","credits":5,"amount_minor":5,"currency":"USD","period_end":"2026-04-01T00:00:00Z")"));
  Ok(Request("c1", kT0, "r1", "p1"));
  EXPECT_EQ(Code(Request("c1", kT0, "r1", "nope")), "UNKNOWN_PURCHASE");
  EXPECT_EQ(Code(Request("c1", kT0, "r1", "s1")), "NOT_REFUNDABLE");
  EXPECT_EQ(Code(Request("c1", kT0, "r1", "p2")), "DUPLICATE_ID");
  Ok(Cmd("c1", kT0, "chargeback", R"("purchase_id":"p2","contacted_support":true)"));
  Ok(Cmd("c1", kT0, "reinstate", ""));
  EXPECT_EQ(Code(Request("c1", "2026-03-20T00:00:00Z", "r2", "p2")), "PURCHASE_CHARGED_BACK");
  // r1 was denied by the suspension; p1 is refundable again but too late.
  EXPECT_EQ(Code(Request("c1", "2026-03-20T00:00:00Z", "r2", "p1")), "REFUND_WINDOW_CLOSED");
}

TEST_F(DecideTest, AnApprovedRefundBlocksFurtherRequestsOfTheLot) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Request("c1", kT0, "r1", "p1"));
  EXPECT_EQ(Code(Request("c1", kT0, "r2", "p1")), "REFUND_ALREADY_REQUESTED");
  Ok(Approve("c1", kT0, "r1"));
  EXPECT_EQ(Code(Request("c1", kT0, "r2", "p1")), "REFUND_ALREADY_REQUESTED");
}

TEST_F(DecideTest, NothingToRefundWhenAllIsUsedOrTheLotExpired) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Buy("c1", kT0, "p2", 100, 1000, "2026-03-02T00:00:00Z"));
  Ok(Spend("c1", kT0, "u1", 100));  // all of p2, which expires first
  EXPECT_EQ(Code(Request("c1", kT0, "r1", "p2")), "NOTHING_TO_REFUND");
  Ok(Buy("c1", kT0, "p3", 100, 1000, "2026-03-02T00:00:00Z"));
  EXPECT_EQ(Code(Request("c1", "2026-03-02T00:00:00Z", "r1", "p3")), "NOTHING_TO_REFUND");
}

TEST_F(DecideTest, RefundWindowIncludesItsLastInstant) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Buy("c1", kT0, "p2", 100));
  EXPECT_EQ(Code(Request("c1", "2026-03-08T10:00:00.000001Z", "r1", "p1")),
            "REFUND_WINDOW_CLOSED");
  EXPECT_EQ(Code(Request("c1", "2026-03-08T10:00:00Z", "r1", "p2")), "ACCEPTED");
}

TEST_F(DecideTest, RefundWindowMessageNamesPurchasePolicyAndTimes) {
  Ok(Buy("c1", kT0, "p1", 100));
  Decision d = Run(Request("c1", "2026-03-09T11:00:00Z", "r1", "p1"));
  EXPECT_EQ(d.code, v1::REFUND_WINDOW_CLOSED);
  EXPECT_NE(d.message.find("purchase p1"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("168h"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("2026-03-07"), std::string::npos) << d.message;
}

TEST_F(DecideTest, ALaterPolicyWidensTheWindowFromItsTimeOn) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Cmd("", "2026-03-09T00:00:00Z", "set_policy",
         R"("version":"v2","refund_window_hours":720,"inquiry_window_hours":720)"));
  EXPECT_EQ(Code(Request("c1", "2026-03-20T00:00:00Z", "r1", "p1")), "ACCEPTED");
  EXPECT_EQ(last_event_.header().policy_version(), "v2");
}

TEST_F(DecideTest, ApproveAndDenyNeedAPendingRefund) {
  Ok(Buy("c1", kT0, "p1", 100));
  EXPECT_EQ(Code(Approve("c1", kT0, "r1")), "UNKNOWN_REFUND");
  EXPECT_EQ(Code(Deny("c1", kT0, "r1")), "UNKNOWN_REFUND");
  Ok(Request("c1", kT0, "r1", "p1"));
  Ok(Deny("c1", kT0, "r1"));
  EXPECT_EQ(Code(Approve("c1", kT0, "r1")), "REFUND_NOT_PENDING");
  EXPECT_EQ(Code(Deny("c1", kT0, "r1")), "REFUND_NOT_PENDING");
}

TEST_F(DecideTest, DenyWithoutReasonLeavesItEmpty) {
  Ok(Buy("c1", kT0, "p1", 100));
  Ok(Request("c1", kT0, "r1", "p1"));
  Ok(Cmd("c1", kT0, "deny_refund", R"("refund_id":"r1")"));
  EXPECT_EQ(last_event_.effects(0).refund_denied().reason(), "");
}

}  // namespace
}  // namespace ledger::testing
