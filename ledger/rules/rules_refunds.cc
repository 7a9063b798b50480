// Kind checks of the refund commands: request_refund, approve_refund,
// deny_refund (policy 7: every request is reviewed individually).
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/limits.h"
#include "ledger/rules/rules.h"
#include "ledger/time_util.h"
#include "projections/balance.h"
#include "projections/consumption_order.h"

namespace ledger::rules {
namespace {

// The checks of request_refund that look at the lot, after DUPLICATE_ID.
std::optional<Decision> LotNotRefundable(const Context& ctx, const v1::LotState& lot) {
  if (lot.charged_back()) {
    return Reject(v1::PURCHASE_CHARGED_BACK,
                  absl::StrCat("purchase ", lot.lot_id(), " of ", Who(ctx),
                               " was charged back: its money already went back"));
  }
  const int64_t window = ctx.policy.refund_window_hours();
  // Times are at most kMaxTimeUs and windows kMaxWindowHours (validation).
  static_assert(kMaxTimeUs <= std::numeric_limits<int64_t>::max() -
                                  kMaxWindowHours * kMicrosPerHour,
                "a time plus the longest window overflows int64");
  if (ctx.at_us > lot.granted_at_us() + window * kMicrosPerHour) {
    return Reject(v1::REFUND_WINDOW_CLOSED,
                  absl::StrCat("refund window closed: purchase ", lot.lot_id(),
                               " granted ", FormatTimeUs(lot.granted_at_us()), ", window ",
                               window, "h under policy ", ctx.policy.version(),
                               ", request at ", FormatTimeUs(ctx.at_us)));
  }
  if (!lot.active_refund_id().empty()) {
    return Reject(v1::REFUND_ALREADY_REQUESTED,
                  absl::StrCat("purchase ", lot.lot_id(), " already has refund ",
                               lot.active_refund_id(), " pending or approved"));
  }
  if (lot.remaining() == 0 || LotExpiredAt(lot, ctx.at_us)) {
    return Reject(v1::NOTHING_TO_REFUND,
                  lot.remaining() == 0
                      ? absl::StrCat("purchase ", lot.lot_id(), " has no credits left: all ",
                                     lot.granted(), " were used or are held")
                      : absl::StrCat("purchase ", lot.lot_id(), " expired ",
                                     FormatTimeUs(lot.expires_at_us())));
  }
  return std::nullopt;
}

// UNKNOWN_REFUND, REFUND_NOT_PENDING: shared by approve and deny.
std::optional<Decision> NotPending(const Context& ctx, const std::string& id,
                                   const v1::RefundState* refund) {
  if (refund == nullptr) {
    return Reject(v1::UNKNOWN_REFUND, absl::StrCat(Who(ctx), " has no refund ", id));
  }
  if (refund->status() == v1::REFUND_PENDING) return std::nullopt;
  return Reject(v1::REFUND_NOT_PENDING,
                absl::StrCat("refund ", id, " of ", Who(ctx), " is already ",
                             refund->status() == v1::REFUND_APPROVED ? "approved" : "denied"));
}

// SAME_ACTOR (docs/contract.md section 16), after REFUND_NOT_PENDING:
// while the policy in force asks for four eyes, the actor who requested a
// refund may not review it. An actor that was not recorded (a refund
// requested before actors existed, or a review by an embedder that names
// none) matches nobody: the rule can only refuse what it can tell apart.
std::optional<Decision> SameActor(const Context& ctx, const v1::RefundState& refund,
                                  const char* review) {
  if (!ctx.policy.four_eyes() || ctx.issuer.actor.empty() ||
      refund.requested_by() != ctx.issuer.actor) {
    return std::nullopt;
  }
  return Reject(v1::SAME_ACTOR,
                absl::StrCat("refund ", refund.refund_id(), " of ", Who(ctx),
                             " was requested by ", ctx.issuer.actor,
                             ", who may not ", review, " it: policy ",
                             ctx.policy.version(),
                             " asks for four eyes (another actor reviews)"));
}

}  // namespace

Decision RequestRefund(const Context& ctx, Effects& effects) {
  const v1::RequestRefund& k = ctx.command.request_refund();
  const v1::LotState* lot = ctx.customer.FindLot(k.purchase_id());
  if (lot == nullptr) {
    return Reject(v1::UNKNOWN_PURCHASE,
                  absl::StrCat(Who(ctx), " has no purchase ", k.purchase_id()));
  }
  if (lot->source() != v1::PURCHASE) {
    return Reject(v1::NOT_REFUNDABLE,
                  absl::StrCat("lot ", k.purchase_id(), " is a ",
                               v1::LotSource_Name(lot->source()),
                               " lot: only purchases are refundable in cash"));
  }
  if (ctx.customer.FindRefund(k.refund_id()) != nullptr) {
    return Reject(v1::DUPLICATE_ID, absl::StrCat("refund id ", k.refund_id(),
                                                 " is already used by ", Who(ctx)));
  }
  if (auto d = LotNotRefundable(ctx, *lot)) return *d;
  v1::RefundState& r = *effects.Add()->mutable_refund_requested()->mutable_refund();
  r.set_refund_id(k.refund_id());
  r.set_lot_id(lot->lot_id());
  r.set_credits(lot->remaining());
  r.set_requested_at_us(ctx.at_us);
  r.set_status(v1::REFUND_PENDING);
  r.set_currency(lot->currency());
  r.set_requested_by(ctx.issuer.actor);  // docs/contract.md section 16
  return Accept();
}

Decision ApproveRefund(const Context& ctx, Effects& effects) {
  const std::string& id = ctx.command.approve_refund().refund_id();
  const v1::RefundState* refund = ctx.customer.FindRefund(id);
  if (auto d = NotPending(ctx, id, refund)) return *d;
  if (auto d = SameActor(ctx, *refund, "approve")) return *d;
  const v1::LotState* lot = ctx.customer.FindLot(refund->lot_id());
  // A pending refund was requested against a lot of this customer with
  // credits granted; the lot never leaves the state.
  LEDGER_CHECK(lot != nullptr && lot->granted() > 0)
      << "refund " << id << " names lot " << refund->lot_id()
      << (lot == nullptr ? ", which the customer does not have" : ", which granted no credits");
  v1::RefundApproved& a = *effects.Add()->mutable_refund_approved();
  a.set_refund_id(id);
  a.set_credits(refund->credits());
  // ProRataCashMinor multiplies in 128 bits: the product of the largest
  // amount and the largest credits must fit there (and the quotient, at
  // most the amount, in int64).
  static_assert(static_cast<__int128>(kMaxAmountMinor) * kMaxCredits <
                    (static_cast<__int128>(1) << 126),
                "amount_minor * credits does not fit in 128 bits");
  a.set_cash_minor(ProRataCashMinor(lot->amount_minor(), refund->credits(), lot->granted()));
  a.set_currency(lot->currency());
  return Accept();
}

Decision DenyRefund(const Context& ctx, Effects& effects) {
  const v1::DenyRefund& k = ctx.command.deny_refund();
  const v1::RefundState* refund = ctx.customer.FindRefund(k.refund_id());
  if (auto d = NotPending(ctx, k.refund_id(), refund)) return *d;
  if (auto d = SameActor(ctx, *refund, "deny")) return *d;
  v1::RefundDenied& denied = *effects.Add()->mutable_refund_denied();
  denied.set_refund_id(k.refund_id());
  denied.set_cause(v1::DENY_REQUESTED);
  denied.set_reason(k.reason());
  denied.set_credits(refund->credits());
  return Accept();
}

}  // namespace ledger::rules
