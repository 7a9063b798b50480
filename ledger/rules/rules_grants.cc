// Kind checks of the commands that grant lots or manage the subscription:
// purchase, subscribe, renew, cancel_subscription, compensate (grant, the
// fifth, is in rules_promotions.cc).
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/limits.h"
#include "ledger/rules/rules.h"
#include "ledger/time_util.h"

namespace ledger::rules {
namespace {

int64_t TimeOf(const std::string& canonical) {
  absl::StatusOr<int64_t> us = ParseTimeUs(canonical);
  LEDGER_CHECK(us.ok()) << "a validated time does not parse: " << us.status();
  return *us;
}

std::optional<int64_t> OptionalTime(bool present, const std::string& canonical) {
  if (!present) return std::nullopt;
  return TimeOf(canonical);
}

// A subscription is in force at t unless it is cancelled and t >= period_end.
bool InForce(const v1::SubscriptionState& s, int64_t at_us) {
  return !(s.cancelled() && at_us >= s.period_end_us());
}

}  // namespace

// DUPLICATE_ID for the lot namespace (purchase, period and adjustment ids).
std::optional<Decision> DuplicateLot(const CustomerState& c, const std::string& id) {
  const v1::LotState* lot = c.FindLot(id);
  if (lot == nullptr) return std::nullopt;
  return Reject(v1::DUPLICATE_ID,
                absl::StrCat("lot id ", id, " is already used by a ",
                             v1::LotSource_Name(lot->source()), " lot of ", WhoIs(c),
                             " granted ", FormatTimeUs(lot->granted_at_us())));
}

// Step 7: remaining + held + refund_pending may not pass 10^18.
std::optional<Decision> LimitExceeded(const CustomerState& c, int64_t credits) {
  // Each term is at most 10^18 and credits at most 10^15: no overflow.
  static_assert(kMaxCustomerCredits <=
                    (std::numeric_limits<int64_t>::max() - kMaxCredits) / 3,
                "remaining + held + refund_pending + credits overflows int64");
  int64_t total = c.TotalRemaining() + c.header.held() + c.header.refund_pending();
  if (total + credits <= kMaxCustomerCredits) return std::nullopt;
  return Reject(v1::LIMIT_EXCEEDED,
                absl::StrCat("granting ", credits, " credits would lift ", WhoIs(c),
                             "'s remaining + held + refund_pending from ", total,
                             " above ", kMaxCustomerCredits));
}

v1::LotState& AddGrant(const Context& ctx, const LotGrant& g, Effects& effects) {
  v1::LotState& lot = *effects.Add()->mutable_lot_granted()->mutable_lot();
  lot.set_lot_id(g.lot_id);
  lot.set_source(g.source);
  lot.set_granted(g.credits);
  lot.set_remaining(g.credits);
  lot.set_granted_at_us(ctx.at_us);
  if (g.expires_at_us.has_value()) lot.set_expires_at_us(*g.expires_at_us);
  lot.set_amount_minor(g.amount_minor);
  lot.set_currency(g.currency);
  lot.set_grant_index(ctx.customer.header.lots_granted());
  lot.set_compensates_usage_id(g.compensates_usage_id);
  return lot;
}

Decision Purchase(const Context& ctx, Effects& effects) {
  const v1::Purchase& k = ctx.command.purchase();
  if (auto d = DuplicateLot(ctx.customer, k.purchase_id())) return *d;
  if (auto d = UnknownTopUp(ctx)) return *d;  // rules_alerts.cc
  if (auto d = LimitExceeded(ctx.customer, k.credits())) return *d;
  v1::LotState& lot = AddGrant(ctx,
                               LotGrant{k.purchase_id(), v1::PURCHASE, k.credits(),
                                        OptionalTime(k.has_expires_at(), k.expires_at()),
                                        k.amount_minor(), k.currency(), ""},
                               effects);
  SetLotScope(k, lot);
  CompleteTopUp(ctx, effects);
  return Accept();
}

Decision Subscribe(const Context& ctx, Effects& effects) {
  const v1::Subscribe& k = ctx.command.subscribe();
  const v1::CustomerHeader& h = ctx.customer.header;
  if (auto d = DuplicateLot(ctx.customer, k.period_id())) return *d;
  if (h.has_subscription() && InForce(h.subscription(), ctx.at_us)) {
    const v1::SubscriptionState& s = h.subscription();
    return Reject(v1::ALREADY_SUBSCRIBED,
                  absl::StrCat(Who(ctx), " already has plan ", s.plan(),
                               s.cancelled() ? ", cancelled but in force until "
                                             : ", current period ending ",
                               FormatTimeUs(s.period_end_us())));
  }
  if (auto d = LimitExceeded(ctx.customer, k.credits())) return *d;
  const int64_t period_end_us = TimeOf(k.period_end());
  v1::SubscriptionState& s =
      *effects.Add()->mutable_subscription_started()->mutable_subscription();
  s.set_plan(k.plan());
  s.set_currency(k.currency());
  s.set_period_end_us(period_end_us);
  s.set_cancelled(false);
  s.set_last_period_id(k.period_id());
  int64_t expires = k.has_credits_expire_at() ? TimeOf(k.credits_expire_at()) : period_end_us;
  v1::LotState& lot = AddGrant(ctx,
                               LotGrant{k.period_id(), v1::SUBSCRIPTION, k.credits(),
                                        expires, k.amount_minor(), k.currency(), ""},
                               effects);
  SetLotScope(k, lot);
  return Accept();
}

Decision Renew(const Context& ctx, Effects& effects) {
  const v1::Renew& k = ctx.command.renew();
  const v1::CustomerHeader& h = ctx.customer.header;
  if (!h.has_subscription()) {
    return Reject(v1::NO_SUBSCRIPTION,
                  absl::StrCat(Who(ctx), " has never subscribed: subscribe first"));
  }
  const v1::SubscriptionState& s = h.subscription();
  if (auto d = DuplicateLot(ctx.customer, k.period_id())) return *d;
  if (s.cancelled()) {
    return Reject(v1::SUBSCRIPTION_CANCELLED,
                  absl::StrCat(Who(ctx), "'s plan ", s.plan(),
                               " is cancelled (period end ", FormatTimeUs(s.period_end_us()),
                               "): subscribe again instead"));
  }
  if (ctx.at_us < s.period_end_us()) {
    return Reject(v1::RENEWAL_NOT_DUE,
                  absl::StrCat("renewal of ", Who(ctx), "'s plan ", s.plan(), " at ",
                               FormatTimeUs(ctx.at_us), " is before the current period end ",
                               FormatTimeUs(s.period_end_us())));
  }
  if (auto d = LimitExceeded(ctx.customer, k.credits())) return *d;
  const int64_t period_end_us = TimeOf(k.period_end());
  v1::SubscriptionRenewed& r = *effects.Add()->mutable_subscription_renewed();
  r.set_period_id(k.period_id());
  r.set_period_end_us(period_end_us);
  int64_t expires = k.has_credits_expire_at() ? TimeOf(k.credits_expire_at()) : period_end_us;
  v1::LotState& lot = AddGrant(ctx,
                               LotGrant{k.period_id(), v1::SUBSCRIPTION, k.credits(),
                                        expires, k.amount_minor(), s.currency(), ""},
                               effects);
  SetLotScope(k, lot);
  return Accept();
}

Decision CancelSubscription(const Context& ctx, Effects& effects) {
  const v1::CustomerHeader& h = ctx.customer.header;
  if (!h.has_subscription() || !InForce(h.subscription(), ctx.at_us)) {
    return Reject(v1::NO_SUBSCRIPTION,
                  h.has_subscription()
                      ? absl::StrCat(Who(ctx), "'s cancelled plan ", h.subscription().plan(),
                                     " ended ", FormatTimeUs(h.subscription().period_end_us()))
                      : absl::StrCat(Who(ctx), " has no subscription"));
  }
  if (h.subscription().cancelled()) {
    return Reject(v1::SUBSCRIPTION_CANCELLED,
                  absl::StrCat(Who(ctx), "'s plan ", h.subscription().plan(),
                               " is already cancelled; it stays in force until ",
                               FormatTimeUs(h.subscription().period_end_us())));
  }
  effects.Add()->mutable_subscription_cancelled();
  return Accept();
}

Decision Compensate(const Context& ctx, Effects& effects) {
  const v1::Compensate& k = ctx.command.compensate();
  const v1::UsageState* usage = ctx.customer.FindUsage(k.usage_id());
  if (usage == nullptr) {
    return Reject(v1::UNKNOWN_USAGE,
                  absl::StrCat(Who(ctx), " has no usage ", k.usage_id()));
  }
  if (auto d = DuplicateLot(ctx.customer, k.adjustment_id())) return *d;
  const int64_t window = ctx.policy.inquiry_window_hours();
  // Times are at most kMaxTimeUs and windows kMaxWindowHours (validation).
  static_assert(kMaxTimeUs <= std::numeric_limits<int64_t>::max() -
                                  kMaxWindowHours * kMicrosPerHour,
                "a time plus the longest window overflows int64");
  if (ctx.at_us > usage->at_us() + window * kMicrosPerHour) {
    return Reject(v1::INQUIRY_WINDOW_CLOSED,
                  absl::StrCat("inquiry window closed: usage ", k.usage_id(), " at ",
                               FormatTimeUs(usage->at_us()), ", window ", window,
                               "h under policy ", ctx.policy.version(), ", compensation at ",
                               FormatTimeUs(ctx.at_us)));
  }
  if (usage->compensated() + k.credits() > usage->credits()) {
    return Reject(v1::EXCEEDS_USAGE,
                  absl::StrCat("usage ", k.usage_id(), " spent ", usage->credits(),
                               " credits and ", usage->compensated(),
                               " are already compensated: ", k.credits(),
                               " more would exceed it"));
  }
  if (auto d = LimitExceeded(ctx.customer, k.credits())) return *d;
  v1::LotState& lot = AddGrant(
      ctx,
      LotGrant{k.adjustment_id(), v1::COMPENSATION, k.credits(),
               OptionalTime(k.has_expires_at(), k.expires_at()), 0, "", k.usage_id()},
      effects);
  SetLotScope(k, lot);
  return Accept();
}

}  // namespace ledger::rules
