// Kind checks and effects of the commands of docs/contract.md section 12:
// set_alerts, set_auto_top_up, decline_top_up, and the part of purchase that
// completes a top-up request. What happens after every command (the crossing
// rule and the request rule) is follow_up.cc's.
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ledger/rules/rules.h"

namespace ledger::rules {
namespace {

std::string PendingWords(const v1::CustomerHeader& h) {
  if (!h.has_pending_top_up()) return "has no pending top-up request";
  return absl::StrCat("has pending top-up request ", h.pending_top_up().request_id());
}

std::optional<Decision> NotPending(const Context& ctx, const std::string& request_id) {
  const v1::CustomerHeader& h = ctx.customer.header;
  if (h.has_pending_top_up() && h.pending_top_up().request_id() == request_id) {
    return std::nullopt;
  }
  return Reject(v1::UNKNOWN_TOP_UP,
                absl::StrCat("top-up request ", request_id, " is not pending: ",
                             Who(ctx), " ", PendingWords(h)));
}

}  // namespace

Decision SetAlerts(const Context& ctx, Effects& effects) {
  // A threshold kept with the same code and credits keeps its state; a new
  // or changed one starts not in alert (the crossing rule, right after,
  // moves it if the balance is already at or below it).
  absl::flat_hash_map<std::string, const v1::AlertThresholdState*> old;
  for (const v1::AlertThresholdState& t : ctx.customer.header.alerts()) {
    old.emplace(t.code(), &t);
  }
  v1::AlertsSet& set = *effects.Add()->mutable_alerts_set();
  // The command's thresholds are in canonical order already (credits
  // descending, then code), the order the state keeps.
  for (const v1::AlertThreshold& t : ctx.command.set_alerts().thresholds()) {
    v1::AlertThresholdState& s = *set.add_thresholds();
    s.set_code(t.code());
    s.set_credits(t.credits());
    auto it = old.find(t.code());
    s.set_in_alert(it != old.end() && it->second->credits() == t.credits() &&
                   it->second->in_alert());
  }
  return Accept();
}

Decision SetAutoTopUp(const Context& ctx, Effects& effects) {
  const v1::SetAutoTopUp& k = ctx.command.set_auto_top_up();
  v1::AutoTopUpSet& set = *effects.Add()->mutable_auto_top_up_set();
  // Validation allows both fields or neither; neither turns it off. A
  // pending request stays pending either way: the platform may be charging
  // the card already, and its purchase or decline still settles it.
  if (k.has_below()) {
    set.mutable_config()->set_below(k.below());
    set.mutable_config()->set_target(k.target());
  }
  return Accept();
}

Decision DeclineTopUp(const Context& ctx, Effects& effects) {
  const v1::DeclineTopUp& k = ctx.command.decline_top_up();
  if (auto d = NotPending(ctx, k.request_id())) return *d;
  v1::TopUpDeclined& declined = *effects.Add()->mutable_top_up_declined();
  declined.set_request_id(k.request_id());
  declined.set_reason(k.reason());
  return Accept();
}

std::optional<Decision> UnknownTopUp(const Context& ctx) {
  const v1::Purchase& k = ctx.command.purchase();
  if (!k.has_top_up_request_id()) return std::nullopt;
  return NotPending(ctx, k.top_up_request_id());
}

void CompleteTopUp(const Context& ctx, Effects& effects) {
  const v1::Purchase& k = ctx.command.purchase();
  if (!k.has_top_up_request_id()) return;
  v1::TopUpCompleted& done = *effects.Add()->mutable_top_up_completed();
  done.set_request_id(k.top_up_request_id());
  done.set_purchase_id(k.purchase_id());
}

}  // namespace ledger::rules
