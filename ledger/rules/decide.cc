#include "ledger/rules/decide.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/rules/judging_time.h"
#include "ledger/rules/postings.h"
#include "ledger/rules/rules.h"
#include "ledger/time_util.h"

namespace ledger {
namespace {

// docs/contract.md section 5 step 5: which statuses a kind needs.
enum class Gate { kActive, kNotTerminated, kSuspended, kNotActive, kAny };

Gate GateOf(v1::Command::KindCase kind) {
  switch (kind) {
    case v1::Command::kCancelSubscription:
    case v1::Command::kRelease:
    case v1::Command::kDenyRefund:
    case v1::Command::kTerminate:
    case v1::Command::kSetAlerts:
    case v1::Command::kSetAutoTopUp:
    case v1::Command::kVoidGrant:
      return Gate::kNotTerminated;
    case v1::Command::kReinstate:
      return Gate::kSuspended;
    case v1::Command::kForfeit:
      return Gate::kNotActive;
    case v1::Command::kExpire:
    case v1::Command::kChargeback:
    case v1::Command::kSetPolicy:
    case v1::Command::kDeclineTopUp:
      return Gate::kAny;
    default:  // purchase, subscribe, renew, use, hold, capture,
              // request_refund, approve_refund, compensate, suspend, grant
      return Gate::kActive;
  }
}

bool Passes(Gate gate, v1::CustomerStatus status) {
  switch (gate) {
    case Gate::kActive: return status == v1::ACTIVE;
    case Gate::kNotTerminated: return status != v1::TERMINATED;
    case Gate::kSuspended: return status == v1::SUSPENDED;
    case Gate::kNotActive: return status != v1::ACTIVE;
    case Gate::kAny: return true;
  }
  return false;
}

const char* GateWords(Gate gate) {
  switch (gate) {
    case Gate::kActive: return "an active account";
    case Gate::kNotTerminated: return "an account that is not terminated";
    case Gate::kSuspended: return "a suspended account";
    case Gate::kNotActive: return "a suspended or terminated account";
    case Gate::kAny: return "any account";
  }
  return "";
}

std::string KindName(const v1::Command& command) {
  return std::string(
      v1::Command::descriptor()->FindFieldByNumber(command.kind_case())->name());
}

Decision CheckGate(const v1::Command& command, v1::CustomerStatus status) {
  Gate gate = GateOf(command.kind_case());
  if (Passes(gate, status)) return rules::Accept();
  v1::RejectionCode code = status == v1::SUSPENDED    ? v1::ACCOUNT_SUSPENDED
                           : status == v1::TERMINATED ? v1::ACCOUNT_TERMINATED
                                                      : v1::NOT_SUSPENDED;
  return rules::Reject(code, absl::StrCat("customer ", command.customer(), " is ",
                                          v1::CustomerStatus_Name(status), ": ",
                                          KindName(command), " needs ",
                                          GateWords(gate)));
}

Decision RunKind(const rules::Context& ctx, rules::Effects& effects) {
  switch (ctx.command.kind_case()) {
    case v1::Command::kPurchase: return rules::Purchase(ctx, effects);
    case v1::Command::kSubscribe: return rules::Subscribe(ctx, effects);
    case v1::Command::kRenew: return rules::Renew(ctx, effects);
    case v1::Command::kCancelSubscription: return rules::CancelSubscription(ctx, effects);
    case v1::Command::kUse: return rules::Use(ctx, effects);
    case v1::Command::kHold: return rules::Hold(ctx, effects);
    case v1::Command::kCapture: return rules::Capture(ctx, effects);
    case v1::Command::kRelease: return rules::Release(ctx, effects);
    case v1::Command::kRequestRefund: return rules::RequestRefund(ctx, effects);
    case v1::Command::kApproveRefund: return rules::ApproveRefund(ctx, effects);
    case v1::Command::kDenyRefund: return rules::DenyRefund(ctx, effects);
    case v1::Command::kCompensate: return rules::Compensate(ctx, effects);
    case v1::Command::kExpire: return rules::Expire(ctx, effects);
    case v1::Command::kSuspend: return rules::Suspend(ctx, effects);
    case v1::Command::kTerminate: return rules::Terminate(ctx, effects);
    case v1::Command::kReinstate: return rules::Reinstate(ctx, effects);
    case v1::Command::kForfeit: return rules::Forfeit(ctx, effects);
    case v1::Command::kChargeback: return rules::Chargeback(ctx, effects);
    case v1::Command::kSetPolicy: return rules::SetPolicy(ctx, effects);
    case v1::Command::kSetAlerts: return rules::SetAlerts(ctx, effects);
    case v1::Command::kSetAutoTopUp: return rules::SetAutoTopUp(ctx, effects);
    case v1::Command::kDeclineTopUp: return rules::DeclineTopUp(ctx, effects);
    case v1::Command::kGrant: return rules::Grant(ctx, effects);
    case v1::Command::kVoidGrant: return rules::VoidGrant(ctx, effects);
    case v1::Command::KIND_NOT_SET: break;
  }
  // ValidateAndCanonicalize refuses a command without a kind.
  return rules::Reject(v1::INVALID_COMMAND, "exactly one kind is required");
}

// Step 3 for a customer's command. `found` is null for a customer the
// ledger does not know.
Decision CheckCustomer(const v1::Command& command, const CustomerState* found) {
  if (found != nullptr || command.has_purchase() || command.has_subscribe() ||
      command.has_grant()) {
    return rules::Accept();
  }
  return rules::Reject(v1::UNKNOWN_CUSTOMER,
                       absl::StrCat("customer ", command.customer(),
                                    " does not exist: a purchase, subscribe "
                                    "or grant creates a customer"));
}

}  // namespace

Decision Decide(const v1::Command& command, const LedgerState& state,
                v1::Event* event, int64_t received_at_us,
                const Issuer& issuer) {
  const bool is_policy = command.has_set_policy();
  const CustomerState* found = is_policy ? nullptr : state.FindCustomer(command.customer());
  if (!is_policy) {
    Decision known = CheckCustomer(command, found);  // step 3
    if (!known.accepted) return known;
  }
  // Step 4, and the time every later step judges at.
  rules::JudgingTime time =
      rules::DecideJudgingTime(command, found, state, received_at_us);
  if (!time.verdict.accepted) return time.verdict;
  const int64_t at_us = time.at_us;
  if (found != nullptr) {
    Decision gate = CheckGate(command, found->header.status());  // step 5
    if (!gate.accepted) return gate;
  }

  // A customer the command creates starts empty and ACTIVE; step 5 then
  // passes for purchase, subscribe and grant, which need ACTIVE. Built only then:
  // an empty CustomerState costs allocations, and most commands have one.
  std::optional<CustomerState> fresh;
  if (found == nullptr) {
    fresh.emplace();
    fresh->header.set_customer(command.customer());
    fresh->header.set_status(v1::ACTIVE);
  }
  const CustomerState& customer = found != nullptr ? *found : *fresh;
  const v1::PolicyState& policy = state.policies.InForceAt(at_us);
  rules::Context ctx{command, state, customer, at_us, policy, issuer};

  rules::Effects effects;
  if (found == nullptr && !is_policy) effects.Add()->mutable_customer_opened();
  Decision decision = RunKind(ctx, effects);
  if (!decision.accepted) return decision;

  event->mutable_header()->set_at_us(at_us);
  event->mutable_header()->set_policy_version(policy.version());
  *event->mutable_postings() = PostingsFor(effects);
  *event->mutable_effects() = std::move(effects);
  decision.at_us = at_us;
  decision.at_chosen = time.chosen;
  return decision;
}

}  // namespace ledger
