// Internal to ledger/rules/decide.cc: the kind checks of docs/contract.md section 5
// step 6 (and step 7, LIMIT_EXCEEDED, for the kinds that grant), one function
// per command kind, grouped by family in rules_*.cc. Each either rejects,
// leaving `effects` untouched, or accepts and appends the effects it decided,
// in the order projections/apply.cc folds them.
#ifndef CREDIT_LEDGER_LEDGER_RULES_RULES_H_
#define CREDIT_LEDGER_LEDGER_RULES_RULES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "ledger/rules/decide.h"
#include "ledger/v1/command.pb.h"
#include "ledger/v1/event.pb.h"
#include "projections/ledger_state.h"

namespace ledger::rules {

using Effects = google::protobuf::RepeatedPtrField<v1::Effect>;

// What every rule may read. Steps 3 to 5 have passed when a rule runs.
struct Context {
  const v1::Command& command;
  const LedgerState& state;
  // The command's customer; an empty one (status ACTIVE, no lots) when a
  // purchase or subscribe creates it, and for set_policy.
  const CustomerState& customer;
  int64_t at_us;
  const v1::PolicyState& policy;  // in force at at_us
  const Issuer& issuer;           // docs/contract.md section 16
};

inline Decision Accept() { return Decision{true, v1::REJECTION_CODE_UNSPECIFIED, ""}; }
inline Decision Reject(v1::RejectionCode code, std::string message) {
  return Decision{false, code, std::move(message)};
}

// rules_grants.cc
// A lot a command grants (LotGranted), before its scope.
struct LotGrant {
  std::string lot_id;
  v1::LotSource source;
  int64_t credits;
  std::optional<int64_t> expires_at_us;
  int64_t amount_minor;
  std::string currency;
  std::string compensates_usage_id;
};
// Appends the LotGranted effect and returns its lot, for SetLotScope.
v1::LotState& AddGrant(const Context& ctx, const LotGrant& grant, Effects& effects);
// DUPLICATE_ID in the lot namespace; LIMIT_EXCEEDED (step 7).
std::optional<Decision> DuplicateLot(const CustomerState& c, const std::string& id);
std::optional<Decision> LimitExceeded(const CustomerState& c, int64_t credits);
Decision Purchase(const Context& ctx, Effects& effects);
Decision Subscribe(const Context& ctx, Effects& effects);
Decision Renew(const Context& ctx, Effects& effects);
Decision CancelSubscription(const Context& ctx, Effects& effects);
Decision Compensate(const Context& ctx, Effects& effects);

// rules_spending.cc
Decision Use(const Context& ctx, Effects& effects);
Decision Hold(const Context& ctx, Effects& effects);
Decision Capture(const Context& ctx, Effects& effects);
Decision Release(const Context& ctx, Effects& effects);

// rules_promotions.cc (docs/contract.md section 11)
Decision Grant(const Context& ctx, Effects& effects);
Decision VoidGrant(const Context& ctx, Effects& effects);
// Gives a granted lot the scope and priority its command names: applies_to
// (validated category names) stored as sorted categories, empty when it
// lists all seven; priority stored only when it is not the default.
void SetLotScope(const google::protobuf::RepeatedPtrField<std::string>& applies_to,
                 bool has_priority, int64_t priority, v1::LotState& lot);
template <typename Kind>
void SetLotScope(const Kind& k, v1::LotState& lot) {
  SetLotScope(k.applies_to(), k.has_priority(), k.priority(), lot);
}

// rules_refunds.cc
Decision RequestRefund(const Context& ctx, Effects& effects);
Decision ApproveRefund(const Context& ctx, Effects& effects);
Decision DenyRefund(const Context& ctx, Effects& effects);

// rules_account.cc
Decision Expire(const Context& ctx, Effects& effects);
Decision Suspend(const Context& ctx, Effects& effects);
Decision Terminate(const Context& ctx, Effects& effects);
Decision Reinstate(const Context& ctx, Effects& effects);
Decision Forfeit(const Context& ctx, Effects& effects);
Decision Chargeback(const Context& ctx, Effects& effects);
Decision SetPolicy(const Context& ctx, Effects& effects);

// rules_alerts.cc (docs/contract.md section 12)
Decision SetAlerts(const Context& ctx, Effects& effects);
Decision SetAutoTopUp(const Context& ctx, Effects& effects);
Decision DeclineTopUp(const Context& ctx, Effects& effects);
// For a purchase carrying top_up_request_id: UNKNOWN_TOP_UP unless it names
// the customer's pending request (checked after DUPLICATE_ID); nullopt
// otherwise, and for a purchase without one.
std::optional<Decision> UnknownTopUp(const Context& ctx);
// Appends TopUpCompleted when the purchase carries top_up_request_id.
// REQUIRES: UnknownTopUp(ctx) was nullopt.
void CompleteTopUp(const Context& ctx, Effects& effects);

// Shared by suspend, terminate and chargeback (rules_account.cc): releases
// every pending hold and denies every pending refund, in id order so that
// replay decides the same effects. Adds what goes back to each lot to
// `returned` (lot_id -> credits) when it is not null.
void ReleaseHoldsAndDenyRefunds(const CustomerState& customer,
                                v1::ReleaseCause release_cause,
                                v1::DenyCause deny_cause, Effects& effects,
                                absl::flat_hash_map<std::string, int64_t>* returned);

// "customer c1", for messages.
inline std::string WhoIs(const CustomerState& c) {
  return absl::StrCat("customer ", c.header.customer());
}
inline std::string Who(const Context& ctx) { return WhoIs(ctx.customer); }

}  // namespace ledger::rules

#endif  // CREDIT_LEDGER_LEDGER_RULES_RULES_H_
