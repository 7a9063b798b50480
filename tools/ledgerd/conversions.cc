#include "tools/ledgerd/conversions.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/time_util.h"

namespace ledger::ledgerd {

v1::Result ToResultProto(const SubmitResult& result) {
  v1::Result out;
  if (result.key.has_value()) out.set_key(*result.key);
  switch (result.outcome) {
    case Outcome::kAccepted:
    case Outcome::kDuplicate:
      out.set_status(v1::Result::ACCEPTED);
      out.set_seq(result.seq);
      out.set_duplicate(result.outcome == Outcome::kDuplicate);
      break;
    case Outcome::kRejected:
      out.set_status(v1::Result::REJECTED);
      out.set_code(result.code);
      out.set_message(result.message);
      break;
  }
  if (result.available.has_value()) out.set_available(*result.available);
  if (result.at_us.has_value()) out.set_at(FormatTimeUs(*result.at_us));
  for (const AlertMove& a : result.alerts) {
    v1::ThresholdCrossed* moved = out.add_alerts();
    moved->set_code(a.code);
    moved->set_credits(a.credits);
    moved->set_state(a.state);
  }
  if (result.top_up.has_value()) {
    out.mutable_top_up()->set_request_id(result.top_up->request_id);
    out.mutable_top_up()->set_credits(result.top_up->credits);
  }
  return out;
}

namespace {

void CopyLot(const LotBalance& lot, v1::Lot& out) {
  out.set_lot_id(lot.lot_id);
  out.set_source(lot.source);
  out.set_granted(lot.granted);
  out.set_remaining(lot.remaining);
  out.set_granted_at(FormatTimeUs(lot.granted_at_us));
  if (lot.expires_at_us.has_value()) {
    out.set_expires_at(FormatTimeUs(*lot.expires_at_us));
  }
  // docs/contract.md section 11: each left unset when it says nothing.
  for (v1::Category c : lot.applies_to) out.add_applies_to(c);
  if (lot.priority != kDefaultLotPriority) out.set_priority(lot.priority);
  out.set_voided(lot.voided);
}

}  // namespace

v1::Balance ToBalanceProto(const Balance& balance) {
  v1::Balance out;
  out.set_customer(balance.customer);
  out.set_status(balance.status);
  out.set_available(balance.available);
  out.set_held(balance.held);
  out.set_refund_pending(balance.refund_pending);
  for (const LotBalance& lot : balance.lots) CopyLot(lot, *out.add_lots());
  for (const CategoryCredits& c : balance.available_by_category) {
    (*out.mutable_available_by_category())[v1::Category_Name(c.category)] = c.credits;
  }
  v1::Refundable* refundable = out.mutable_refundable();
  refundable->set_credits(balance.refundable_credits);
  for (const CashAmount& cash : balance.refundable_cash) {
    v1::CashAmount* c = refundable->add_cash();
    c->set_currency(cash.currency);
    c->set_amount_minor(cash.amount_minor);
  }
  if (balance.subscription.has_value()) {
    v1::SubscriptionInfo* sub = out.mutable_subscription();
    sub->set_plan(balance.subscription->plan);
    sub->set_period_end(FormatTimeUs(balance.subscription->period_end_us));
    sub->set_cancelled(balance.subscription->cancelled);
  }
  for (const AlertBalance& a : balance.alerts) {
    v1::AlertThresholdState* t = out.add_alerts();
    t->set_code(a.code);
    t->set_credits(a.credits);
    t->set_in_alert(a.in_alert);
  }
  if (balance.auto_top_up.has_value()) {
    v1::AutoTopUp* top_up = out.mutable_auto_top_up();
    if (balance.auto_top_up->below) top_up->set_below(*balance.auto_top_up->below);
    if (balance.auto_top_up->target) top_up->set_target(*balance.auto_top_up->target);
    if (balance.auto_top_up->pending) {
      top_up->mutable_pending()->set_request_id(balance.auto_top_up->pending->request_id);
      top_up->mutable_pending()->set_credits(balance.auto_top_up->pending->credits);
    }
  }
  for (const ExpiringCredits& day : balance.expiring) {
    v1::ExpiringCredits* e = out.add_expiring();
    e->set_date(day.date);
    e->set_credits(day.credits);
  }
  return out;
}

absl::StatusOr<int64_t> BalanceTimeUs(const v1::GetBalanceRequest& request) {
  if (request.at().empty()) return absl::ToUnixMicros(absl::Now());
  absl::StatusOr<int64_t> parsed = ParseTimeUs(request.at());
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad at: ", parsed.status().message()));
  }
  return *parsed;
}

absl::StatusOr<absl::StatusOr<Balance>> AnswerBalance(
    const Ledger& ledger, const v1::GetBalanceRequest& request) {
  if (!request.has_as_of()) {
    absl::StatusOr<int64_t> at_us = BalanceTimeUs(request);
    if (!at_us.ok()) return at_us.status();
    return ledger.GetBalance(request.customer(), *at_us);
  }
  if (!request.at().empty()) {
    return absl::InvalidArgumentError(
        "as_of and at: give one; as_of is the customer's past, at today's "
        "state seen at a time");
  }
  absl::StatusOr<int64_t> as_of_us = ParseTimeUs(request.as_of());
  if (!as_of_us.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad as_of: ", as_of_us.status().message()));
  }
  return ledger.GetBalanceAsOf(request.customer(), *as_of_us);
}

}  // namespace ledger::ledgerd
