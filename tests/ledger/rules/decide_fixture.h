// A fixture for testing Decide directly: commands given as JSON are
// validated, decided against a LedgerState built in memory and, when
// accepted, folded in with ApplyEvent, checking on the way that every
// journal entry balances and the customer accounts mirror the projections.
#ifndef CREDIT_LEDGER_TESTS_LEDGER_RULES_DECIDE_FIXTURE_H_
#define CREDIT_LEDGER_TESTS_LEDGER_RULES_DECIDE_FIXTURE_H_

#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/rules/command_validation.h"
#include "ledger/rules/decide.h"
#include "ledger/rules/postings.h"
#include "ledger/time_util.h"
#include "projections/apply.h"
#include "projections/consumption_order.h"
#include "projections/ledger_state.h"
#include "tools/workload/command_json.h"

namespace ledger::testing {

// A fresh key for a command: "k1", "k2", ... over the whole test binary.
inline std::string NextKey() {
  static int next_key = 0;
  return absl::StrCat("k", ++next_key);
}

// A JSON command with a fresh key: Cmd("c1", "2026-03-08T10:00:00Z",
// "purchase", R"("purchase_id":"p1",...)"). An empty customer leaves the
// field out (set_policy).
inline std::string Cmd(const std::string& customer, const std::string& at,
                       const std::string& kind, const std::string& body) {
  std::string who = customer.empty() ? "" : absl::StrCat(R"("customer":")", customer, R"(",)");
  return absl::StrCat(R"({"key":")", NextKey(), R"(",)", who, R"("at":")", at, R"(",")",
                      kind, R"(":{)", body, "}}");
}

// purchase of `credits` for `amount` USD minor units, optional expiry.
inline std::string Buy(const std::string& customer, const std::string& at,
                       const std::string& id, int64_t credits, int64_t amount = 1000,
                       const std::string& expires_at = "") {
  return workload::PurchaseJson({.key = NextKey(),
                                 .customer = customer,
                                 .at = at,
                                 .purchase_id = id,
                                 .credits = credits,
                                 .amount_minor = amount,
                                 .expires_at = expires_at});
}

inline std::string Spend(const std::string& customer, const std::string& at,
                         const std::string& usage_id, int64_t credits) {
  return workload::UseJson({.key = NextKey(),
                            .customer = customer,
                            .at = at,
                            .usage_id = usage_id,
                            .category = "AI_PROCESSING",
                            .credits = credits});
}

class DecideTest : public ::testing::Test {
 protected:
  // Validates and decides `json`; folds the event in when accepted. The
  // decided event is left in last_event_.
  Decision Run(const std::string& json) {
    absl::StatusOr<v1::Command> parsed = ParseCommandJson(json);
    EXPECT_TRUE(parsed.ok()) << json << ": " << parsed.status();
    if (!parsed.ok()) return Decision{};
    v1::Command command = *parsed;
    absl::Status valid = ValidateAndCanonicalize(command);
    EXPECT_TRUE(valid.ok()) << json << ": " << valid;
    last_event_ = v1::Event();
    Decision d = Decide(command, state_, &last_event_);
    if (!d.accepted) {
      EXPECT_FALSE(d.message.empty()) << "rejection without a message: " << json;
      EXPECT_EQ(last_event_.ByteSizeLong(), 0u) << "a rejection changed the event";
      return d;
    }
    FoldIn(command);
    return d;
  }

  // "ACCEPTED" or the rejection code's name.
  std::string Code(const std::string& json) {
    Decision d = Run(json);
    return d.accepted ? "ACCEPTED" : v1::RejectionCode_Name(d.code);
  }

  // Accepts or fails the test.
  void Ok(const std::string& json) {
    Decision d = Run(json);
    ASSERT_TRUE(d.accepted) << json << " rejected " << v1::RejectionCode_Name(d.code)
                            << ": " << d.message;
  }

  const CustomerState& C(const std::string& id) {
    const CustomerState* c = state_.FindCustomer(id);
    EXPECT_NE(c, nullptr) << "no customer " << id;
    static const CustomerState kNone;
    return c ? *c : kNone;
  }
  int64_t Remaining(const std::string& customer, const std::string& lot) {
    const v1::LotState* l = C(customer).FindLot(lot);
    EXPECT_NE(l, nullptr) << "no lot " << lot;
    return l ? l->remaining() : -1;
  }
  int64_t Us(const std::string& rfc3339) { return ParseTimeUs(rfc3339).value(); }

  // The effects of the last accepted event, in order, by kind name.
  std::vector<std::string> EffectKinds() const {
    std::vector<std::string> kinds;
    for (const v1::Effect& e : last_event_.effects()) {
      kinds.push_back(std::string(
          v1::Effect::descriptor()->FindFieldByNumber(e.kind_case())->name()));
    }
    return kinds;
  }
  // Sum of the last event's postings to (account, unit).
  int64_t Posted(v1::Account account, const std::string& unit = kCreditsUnit) const {
    int64_t sum = 0;
    for (const v1::Posting& p : last_event_.postings()) {
      if (p.account() == account && p.unit() == unit) sum += p.amount();
    }
    return sum;
  }

  LedgerState state_;
  v1::Event last_event_;
  // Per customer, the running balance of CUSTOMER_* accounts from postings.
  std::map<std::string, std::map<v1::Account, int64_t>> books_;

 private:
  void FoldIn(const v1::Command& command) {
    EXPECT_TRUE(PostingsBalance(last_event_.postings()));
    for (const v1::Posting& p : last_event_.postings()) {
      EXPECT_NE(p.amount(), 0) << "zero posting";
      books_[command.customer()][p.account()] += p.amount();
    }
    v1::Event event = last_event_;
    v1::EventHeader& h = *event.mutable_header();
    h.set_seq(state_.last_seq + 1);
    h.set_key(command.key());
    h.set_customer(command.customer());
    h.set_at_us(ParseTimeUs(command.at()).value());
    *event.mutable_command() = command;
    absl::Status applied = ApplyEvent(event, state_, nullptr);
    ASSERT_TRUE(applied.ok()) << applied << "\n" << event.DebugString();
    if (command.customer().empty()) return;
    const CustomerState& c = C(command.customer());
    auto& b = books_[command.customer()];
    EXPECT_EQ(b[v1::CUSTOMER_LOTS], -c.TotalRemaining());
    EXPECT_EQ(b[v1::CUSTOMER_HELD], -c.header.held());
    EXPECT_EQ(b[v1::CUSTOMER_REFUND_PENDING], -c.header.refund_pending());
  }
};

}  // namespace ledger::testing

#endif  // CREDIT_LEDGER_TESTS_LEDGER_RULES_DECIDE_FIXTURE_H_
