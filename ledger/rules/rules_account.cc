// Kind checks and effects of the commands that act on a customer's whole
// account: expire, suspend, terminate, reinstate, forfeit, chargeback; and
// set_policy, which acts on the whole ledger.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/rules/rules.h"
#include "ledger/time_util.h"
#include "projections/consumption_order.h"

namespace ledger::rules {
namespace {

using Returned = absl::flat_hash_map<std::string, int64_t>;

// Pending holds and refunds come in id order: the maps iterate in no fixed
// order, and replay must decide exactly the same effects again.
bool HoldPending(const v1::HoldState& h) { return h.status() == v1::HOLD_PENDING; }
bool RefundPending(const v1::RefundState& r) { return r.status() == v1::REFUND_PENDING; }

std::vector<const v1::HoldState*> PendingHolds(const CustomerState& c) {
  std::vector<const v1::HoldState*> out;
  for (const auto& [id, h] : c.holds) {
    if (HoldPending(h)) out.push_back(&h);
  }
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    return a->hold_id() < b->hold_id();
  });
  return out;
}

std::vector<const v1::RefundState*> PendingRefunds(const CustomerState& c) {
  std::vector<const v1::RefundState*> out;
  for (const auto& [id, r] : c.refunds) {
    if (RefundPending(r)) out.push_back(&r);
  }
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    return a->refund_id() < b->refund_id();
  });
  return out;
}

void ReleaseHold(const v1::HoldState& hold, v1::ReleaseCause cause, Effects& effects,
                 Returned* returned) {
  v1::HoldReleased& r = *effects.Add()->mutable_hold_released();
  r.set_hold_id(hold.hold_id());
  r.set_cause(cause);
  *r.mutable_returned() = hold.portions();
  if (returned == nullptr) return;
  for (const v1::Draw& d : hold.portions()) (*returned)[d.lot_id()] += d.credits();
}

void ChangeStatus(v1::CustomerStatus from, v1::CustomerStatus to, v1::StatusReason reason,
                  Effects& effects) {
  v1::StatusChanged& s = *effects.Add()->mutable_status_changed();
  s.set_from(from);
  s.set_to(to);
  s.set_reason(reason);
}

// The effects of suspend (REQUIRES: ACTIVE), also for a chargeback.
void SuspendEffects(const CustomerState& c, v1::StatusReason reason, Effects& effects,
                    Returned* returned) {
  LEDGER_CHECK(c.header.status() == v1::ACTIVE)
      << "suspend of a customer in status " << v1::CustomerStatus_Name(c.header.status());
  ChangeStatus(v1::ACTIVE, v1::SUSPENDED, reason, effects);
  ReleaseHoldsAndDenyRefunds(c, v1::RELEASE_ON_SUSPEND, v1::DENY_ON_SUSPEND, effects,
                             returned);
}

// The effects of terminate (REQUIRES: not TERMINATED), also for a chargeback.
void TerminateEffects(const CustomerState& c, v1::StatusReason reason, Effects& effects,
                      Returned* returned) {
  LEDGER_CHECK(c.header.status() != v1::TERMINATED) << "terminate of a terminated customer";
  ChangeStatus(c.header.status(), v1::TERMINATED, reason, effects);
  ReleaseHoldsAndDenyRefunds(c, v1::RELEASE_ON_TERMINATE, v1::DENY_ON_TERMINATE, effects,
                             returned);
  if (c.header.has_subscription() && !c.header.subscription().cancelled()) {
    effects.Add()->mutable_subscription_cancelled();
  }
}

v1::StatusReason AbuseReason(const std::string& name) {
  v1::StatusReason reason = v1::STATUS_REASON_UNSPECIFIED;
  bool known = v1::StatusReason_Parse(name, &reason);
  LEDGER_CHECK(known) << "abuse reason " << name << " passed validation but is no StatusReason";
  return reason;
}

int64_t ReturnedTo(const Returned& returned, const std::string& lot_id) {
  auto it = returned.find(lot_id);
  return it == returned.end() ? 0 : it->second;
}

}  // namespace

void ReleaseHoldsAndDenyRefunds(const CustomerState& customer,
                                v1::ReleaseCause release_cause,
                                v1::DenyCause deny_cause, Effects& effects,
                                Returned* returned) {
  for (const v1::HoldState* hold : PendingHolds(customer)) {
    ReleaseHold(*hold, release_cause, effects, returned);
  }
  for (const v1::RefundState* refund : PendingRefunds(customer)) {
    v1::RefundDenied& d = *effects.Add()->mutable_refund_denied();
    d.set_refund_id(refund->refund_id());
    d.set_cause(deny_cause);
    d.set_credits(refund->credits());
    if (returned != nullptr) (*returned)[refund->lot_id()] += refund->credits();
  }
}

Decision Expire(const Context& ctx, Effects& effects) {
  // Expired holds go back first, so credits they return to expired lots
  // leave with those lots in the same sweep.
  Returned returned;
  for (const v1::HoldState* hold : PendingHolds(ctx.customer)) {
    if (hold->expires_at_us() <= ctx.at_us) {
      ReleaseHold(*hold, v1::RELEASE_HOLD_EXPIRED, effects, &returned);
    }
  }
  for (const v1::LotState& lot : ctx.customer.lots) {  // grant order
    if (!LotExpiredAt(lot, ctx.at_us)) continue;
    int64_t credits = lot.remaining() + ReturnedTo(returned, lot.lot_id());
    if (credits == 0) continue;
    v1::LotExpired& e = *effects.Add()->mutable_lot_expired();
    e.set_lot_id(lot.lot_id());
    e.set_credits(credits);
  }
  return Accept();
}

Decision Suspend(const Context& ctx, Effects& effects) {
  SuspendEffects(ctx.customer, AbuseReason(ctx.command.suspend().reason()), effects,
                 nullptr);
  return Accept();
}

Decision Terminate(const Context& ctx, Effects& effects) {
  TerminateEffects(ctx.customer, AbuseReason(ctx.command.terminate().reason()), effects,
                   nullptr);
  return Accept();
}

Decision Reinstate(const Context& ctx, Effects& effects) {
  ChangeStatus(v1::SUSPENDED, v1::ACTIVE, v1::REINSTATED, effects);
  return Accept();
}

Decision Forfeit(const Context& ctx, Effects& effects) {
  // Expired lots are left to `expire`: their credits are breakage of
  // another kind.
  for (const v1::LotState& lot : ctx.customer.lots) {  // grant order
    if (lot.remaining() == 0 || LotExpiredAt(lot, ctx.at_us)) continue;
    v1::LotForfeited& f = *effects.Add()->mutable_lot_forfeited();
    f.set_lot_id(lot.lot_id());
    f.set_credits(lot.remaining());
  }
  return Accept();
}

Decision Chargeback(const Context& ctx, Effects& effects) {
  const v1::Chargeback& k = ctx.command.chargeback();
  const v1::LotState* lot = ctx.customer.FindLot(k.purchase_id());
  // COMPENSATION and PROMOTIONAL lots were never paid for: nothing to
  // charge back.
  if (lot == nullptr ||
      (lot->source() != v1::PURCHASE && lot->source() != v1::SUBSCRIPTION)) {
    return Reject(v1::UNKNOWN_PURCHASE,
                  absl::StrCat(Who(ctx), " has no purchase or subscription lot ",
                               k.purchase_id()));
  }
  if (lot->charged_back()) {
    return Reject(v1::PURCHASE_CHARGED_BACK,
                  absl::StrCat("lot ", k.purchase_id(), " of ", Who(ctx),
                               " is already charged back"));
  }
  // First the status change (policy 9), whose releases and denials may
  // return credits to this very lot; then the claw-back of what it holds.
  Returned returned;
  const v1::CustomerStatus status = ctx.customer.header.status();
  if (!k.contacted_support()) {
    if (status != v1::TERMINATED) {
      TerminateEffects(ctx.customer, v1::CHARGEBACK, effects, &returned);
    }
  } else if (status == v1::ACTIVE) {
    SuspendEffects(ctx.customer, v1::CHARGEBACK, effects, &returned);
  }
  v1::LotChargedBack& cb = *effects.Add()->mutable_lot_charged_back();
  cb.set_lot_id(lot->lot_id());
  cb.set_credits(LotExpiredAt(*lot, ctx.at_us)
                     ? 0
                     : lot->remaining() + ReturnedTo(returned, lot->lot_id()));
  cb.set_amount_minor(lot->amount_minor());
  cb.set_currency(lot->currency());
  return Accept();
}

namespace {

// docs/contract.md section 16: a version names one set of terms, so a
// version already set (or the built-in one) is DUPLICATE_ID. Not for a
// set_policy recorded before the rule existed, which replay and import
// judge as it was written.
std::optional<Decision> VersionUsed(const Context& ctx, const std::string& version) {
  if (ctx.issuer.before_recording) return std::nullopt;
  bool used = version == kDefaultPolicyVersion;
  for (const v1::PolicyState& p : ctx.state.policies.versions()) {
    used = used || p.version() == version;
  }
  if (!used) return std::nullopt;
  return Reject(v1::DUPLICATE_ID,
                absl::StrCat("policy version ", version,
                             " is already used: name the new terms with a new version"));
}

}  // namespace

Decision SetPolicy(const Context& ctx, Effects& effects) {
  const v1::SetPolicy& k = ctx.command.set_policy();
  if (auto d = VersionUsed(ctx, k.version())) return *d;
  v1::PolicyState& p = *effects.Add()->mutable_policy_set()->mutable_policy();
  p.set_version(k.version());
  p.set_refund_window_hours(k.refund_window_hours());
  p.set_inquiry_window_hours(k.inquiry_window_hours());
  p.set_clock_skew_seconds(k.clock_skew_seconds());  // absent: 0
  p.set_four_eyes(k.four_eyes());                    // absent: false
  p.set_effective_from_us(ctx.at_us);
  p.set_seq(0);  // apply sets it from the event's header
  return Accept();
}

}  // namespace ledger::rules
