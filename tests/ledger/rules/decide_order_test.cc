// docs/contract.md section 5 steps 3 to 5 and the order of checks: a command
// that breaks two rules gets the code of the earlier one.
#include <set>

#include "tests/ledger/rules/decide_fixture.h"

namespace ledger::testing {
namespace {

constexpr char kT0[] = "2026-03-08T10:00:00Z";
constexpr char kT1[] = "2026-03-08T11:00:00Z";

// One command of every kind for customer c1 at `at`, with ids that exist in
// the state SetUpCustomer builds.
std::vector<std::pair<std::string, std::string>> EveryKind(const std::string& at) {
  const std::string c = "c1";
  return {
      {"purchase", Buy(c, at, "pX", 1)},
      {"subscribe", Cmd(c, at, "subscribe",
                        R"("period_id":"sX","plan":"pro","credits":1,"amount_minor":1,"currency":"USD","period_end":"2027-01-01T00:00:00Z")")},
      {"renew", Cmd(c, at, "renew",
                    R"("period_id":"sY","credits":1,"amount_minor":1,"period_end":"2027-01-01T00:00:00Z")")},
      {"cancel_subscription", Cmd(c, at, "cancel_subscription", "")},
      {"use", Spend(c, at, "uX", 1)},
      {"hold", Cmd(c, at, "hold", R"("hold_id":"hX","credits":1,"expires_at":"2027-01-01T00:00:00Z")")},
      {"capture", Cmd(c, at, "capture", R"("hold_id":"h1","usage_id":"uY","category":"AI_PROCESSING","credits":1)")},
      {"release", Cmd(c, at, "release", R"("hold_id":"h1")")},
      {"request_refund", Cmd(c, at, "request_refund", R"("refund_id":"rX","purchase_id":"p1")")},
      {"approve_refund", Cmd(c, at, "approve_refund", R"("refund_id":"r1")")},
      {"deny_refund", Cmd(c, at, "deny_refund", R"("refund_id":"r1")")},
      {"compensate", Cmd(c, at, "compensate", R"("adjustment_id":"aX","usage_id":"u1","credits":1,"verified_by":"ops")")},
      {"expire", Cmd(c, at, "expire", "")},
      {"suspend", Cmd(c, at, "suspend", R"("reason":"FRAUD")")},
      {"terminate", Cmd(c, at, "terminate", R"("reason":"FRAUD")")},
      {"reinstate", Cmd(c, at, "reinstate", "")},
      {"forfeit", Cmd(c, at, "forfeit", "")},
      {"chargeback", Cmd(c, at, "chargeback", R"("purchase_id":"p1","contacted_support":true)")},
  };
}

// Decides without folding in, so every kind is judged on the same state.
std::string CodeOnly(const LedgerState& state, const std::string& json) {
  v1::Command command = ParseCommandJson(json).value();
  EXPECT_TRUE(ValidateAndCanonicalize(command).ok()) << json;
  v1::Event event;
  Decision d = Decide(command, state, &event);
  return d.accepted ? "ACCEPTED" : v1::RejectionCode_Name(d.code);
}

class DecideOrderTest : public DecideTest {
 protected:
  // c1 with a lot p1, a usage u1, a pending hold h1 and a pending refund r1
  // on p2, at kT0.
  void SetUpCustomer() {
    Ok(Buy("c1", kT0, "p1", 100));
    Ok(Buy("c1", kT0, "p2", 100));
    Ok(Spend("c1", kT0, "u1", 5));
    Ok(Cmd("c1", kT0, "hold", R"("hold_id":"h1","credits":5,"expires_at":"2027-01-01T00:00:00Z")"));
    Ok(Cmd("c1", kT0, "request_refund", R"("refund_id":"r1","purchase_id":"p2")"));
  }
};

TEST_F(DecideOrderTest, EveryKindButPurchaseAndSubscribeNeedsAKnownCustomer) {
  for (const auto& [kind, json] : EveryKind(kT0)) {
    std::string want = kind == "purchase" || kind == "subscribe" ? "ACCEPTED" : "UNKNOWN_CUSTOMER";
    EXPECT_EQ(CodeOnly(state_, json), want) << kind;
  }
}

TEST_F(DecideOrderTest, EveryKindRejectsATimeBeforeTheCustomersLastCommand) {
  SetUpCustomer();
  Ok(Cmd("c1", kT1, "suspend", R"("reason":"FRAUD")"));
  // Breaks the status gate too for most kinds: the time wins.
  for (const auto& [kind, json] : EveryKind(kT0)) {
    EXPECT_EQ(CodeOnly(state_, json), "TIME_WENT_BACKWARDS") << kind;
  }
}

TEST_F(DecideOrderTest, TheSameTimeAsTheLastCommandIsNotBackwards) {
  SetUpCustomer();
  EXPECT_EQ(Code(Spend("c1", kT0, "u9", 1)), "ACCEPTED");
}

TEST_F(DecideOrderTest, ActiveCustomerPassesTheGateOfEveryKindButReinstateAndForfeit) {
  SetUpCustomer();
  for (const auto& [kind, json] : EveryKind(kT1)) {
    std::string got = CodeOnly(state_, json);
    if (kind == "reinstate" || kind == "forfeit") {
      EXPECT_EQ(got, "NOT_SUSPENDED") << kind;
    } else {
      EXPECT_NE(got, "NOT_SUSPENDED") << kind;
      EXPECT_NE(got, "ACCOUNT_SUSPENDED") << kind;
      EXPECT_NE(got, "ACCOUNT_TERMINATED") << kind;
    }
  }
}

TEST_F(DecideOrderTest, SuspendedCustomerGateFollowsTheSpecTable) {
  SetUpCustomer();
  Ok(Cmd("c1", kT0, "suspend", R"("reason":"FRAUD")"));
  // Re-create a pending refund and hold is impossible while suspended, so
  // release and deny_refund pass the gate and fail on their own checks.
  const std::set<std::string> need_active = {
      "purchase", "subscribe", "renew", "use", "hold", "capture",
      "request_refund", "approve_refund", "compensate", "suspend"};
  for (const auto& [kind, json] : EveryKind(kT1)) {
    std::string got = CodeOnly(state_, json);
    if (need_active.contains(kind)) {
      EXPECT_EQ(got, "ACCOUNT_SUSPENDED") << kind;
    } else {
      EXPECT_NE(got, "ACCOUNT_SUSPENDED") << kind << " " << got;
      EXPECT_NE(got, "NOT_SUSPENDED") << kind << " " << got;
    }
  }
}

TEST_F(DecideOrderTest, TerminatedCustomerGateFollowsTheSpecTable) {
  SetUpCustomer();
  Ok(Cmd("c1", kT0, "terminate", R"("reason":"FRAUD")"));
  const std::set<std::string> open = {"expire", "chargeback", "forfeit"};
  for (const auto& [kind, json] : EveryKind(kT1)) {
    std::string got = CodeOnly(state_, json);
    if (open.contains(kind)) {
      EXPECT_EQ(got, "ACCEPTED") << kind;
    } else {
      EXPECT_EQ(got, "ACCOUNT_TERMINATED") << kind;
    }
  }
}

TEST_F(DecideOrderTest, StatusGateBeatsKindChecks) {
  SetUpCustomer();
  Ok(Cmd("c1", kT0, "suspend", R"("reason":"FRAUD")"));
  // Duplicate usage id and far too many credits, but suspended first.
  EXPECT_EQ(CodeOnly(state_, Spend("c1", kT1, "u1", 999999)), "ACCOUNT_SUSPENDED");
  EXPECT_EQ(CodeOnly(state_, Buy("c1", kT1, "p1", 1)), "ACCOUNT_SUSPENDED");
}

TEST_F(DecideOrderTest, GateMessageNamesTheStatusAndTheKind) {
  SetUpCustomer();
  Ok(Cmd("c1", kT0, "terminate", R"("reason":"FRAUD")"));
  Decision d = Run(Spend("c1", kT1, "u9", 1));
  EXPECT_EQ(d.code, v1::ACCOUNT_TERMINATED);
  EXPECT_NE(d.message.find("TERMINATED"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("use"), std::string::npos) << d.message;
}

TEST_F(DecideOrderTest, AcceptedCommandsMoveTheCustomersClock) {
  SetUpCustomer();
  Ok(Spend("c1", kT1, "u9", 1));
  EXPECT_EQ(CodeOnly(state_, Spend("c1", kT0, "u10", 1)), "TIME_WENT_BACKWARDS");
  // A rejected command does not move it.
  EXPECT_EQ(Code(Spend("c1", "2026-03-09T00:00:00Z", "u9", 1)), "DUPLICATE_ID");
  EXPECT_EQ(CodeOnly(state_, Spend("c1", kT1, "u10", 1)), "ACCEPTED");
}

TEST_F(DecideOrderTest, OtherCustomersTimesDoNotMatter) {
  Ok(Buy("c2", "2026-05-01T00:00:00Z", "p1", 100));
  EXPECT_EQ(Code(Buy("c1", kT0, "p1", 1)), "ACCEPTED");
}

TEST_F(DecideOrderTest, DecisionsAreDeterministic) {
  SetUpCustomer();
  Ok(Cmd("c1", kT0, "hold", R"("hold_id":"h0","credits":5,"expires_at":"2027-01-01T00:00:00Z")"));
  Ok(Cmd("c1", kT0, "hold", R"("hold_id":"h2","credits":5,"expires_at":"2027-01-01T00:00:00Z")"));
  v1::Command command = ParseCommandJson(Cmd("c1", kT1, "suspend", R"("reason":"FRAUD")")).value();
  ASSERT_TRUE(ValidateAndCanonicalize(command).ok());
  v1::Event first, second;
  ASSERT_TRUE(Decide(command, state_, &first).accepted);
  ASSERT_TRUE(Decide(command, state_, &second).accepted);
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  ASSERT_EQ(first.effects_size(), 5);
  EXPECT_EQ(first.effects(1).hold_released().hold_id(), "h0");
  EXPECT_EQ(first.effects(2).hold_released().hold_id(), "h1");
  EXPECT_EQ(first.effects(3).hold_released().hold_id(), "h2");
  EXPECT_EQ(first.effects(4).refund_denied().refund_id(), "r1");
}

}  // namespace
}  // namespace ledger::testing
