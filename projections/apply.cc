#include "projections/apply.h"

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"

namespace ledger {
namespace {

// Applies the effects of one event to one customer. Each method checks the
// invariants its effect relies on; a failure means the log (or the code that
// decided it) is wrong, so it is reported, never repaired.
class CustomerFold {
 public:
  CustomerFold(uint64_t seq, int64_t at_us, CustomerState& customer,
               TouchedEntities* touched)
      : seq_(seq), at_us_(at_us), c_(customer), touched_(touched) {}

  absl::Status Apply(const v1::Effect& effect);

 private:
  absl::Status Broken(std::string_view what) const {
    return absl::DataLossError(
        absl::StrCat("event ", seq_, " of customer ", c_.header.customer(),
                     ": ", std::string(what)));
  }
  void TouchLot(const std::string& id) {
    if (touched_) touched_->lots.push_back(id);
  }
  absl::Status Grant(const v1::LotState& lot);
  absl::Status AddToLot(const std::string& lot_id, int64_t delta);
  absl::Status AddTo(int64_t& total, int64_t delta, std::string_view name);
  absl::Status RecordUsage(const v1::UsageState& usage);
  absl::Status EndHold(const std::string& hold_id, v1::HoldStatus status,
                       const google::protobuf::RepeatedPtrField<v1::Draw>&
                           returned);
  absl::Status VoidLot(const v1::LotVoided& voided);
  absl::Status RequestRefund(const v1::RefundState& refund);
  absl::Status ResolveRefund(const std::string& refund_id,
                             v1::RefundStatus status, int64_t credits,
                             int64_t cash_minor);

  // docs/contract.md section 12 (the customer header holds all of it).
  absl::Status SetAlerts(const v1::AlertsSet& set);
  absl::Status CrossThreshold(const v1::ThresholdCrossed& crossed);
  absl::Status RequestTopUp(const v1::TopUpRequested& request);
  absl::Status SettleTopUp(const std::string& request_id, bool declined);

  uint64_t seq_;
  int64_t at_us_;
  CustomerState& c_;
  TouchedEntities* touched_;
};

absl::Status CustomerFold::AddTo(int64_t& total, int64_t delta,
                                 std::string_view name) {
  if (total + delta < 0) {
    return Broken(absl::StrCat(std::string(name), " would go negative"));
  }
  total += delta;
  return absl::OkStatus();
}

absl::Status CustomerFold::AddToLot(const std::string& lot_id, int64_t delta) {
  v1::LotState* lot = c_.FindLot(lot_id);
  if (lot == nullptr) return Broken(absl::StrCat("unknown lot ", lot_id));
  if (lot->remaining() + delta < 0 || lot->remaining() + delta > lot->granted()) {
    return Broken(absl::StrCat("lot ", lot_id, " remaining ",
                               lot->remaining(), " cannot change by ", delta));
  }
  lot->set_remaining(lot->remaining() + delta);
  TouchLot(lot_id);
  return absl::OkStatus();
}

absl::Status CustomerFold::Grant(const v1::LotState& lot) {
  if (c_.lot_index.contains(lot.lot_id())) {
    return Broken(absl::StrCat("lot ", lot.lot_id(), " granted twice"));
  }
  if (lot.grant_index() != c_.header.lots_granted() ||
      lot.remaining() != lot.granted() || lot.granted() <= 0) {
    return Broken(absl::StrCat("lot ", lot.lot_id(), " is not a fresh grant"));
  }
  c_.lot_index[lot.lot_id()] = static_cast<uint32_t>(c_.lots.size());
  c_.lots.push_back(lot);
  c_.header.set_lots_granted(c_.header.lots_granted() + 1);
  TouchLot(lot.lot_id());
  if (!lot.compensates_usage_id().empty()) {
    auto it = c_.usages.find(lot.compensates_usage_id());
    if (it == c_.usages.end()) return Broken("compensation of unknown usage");
    it->second.set_compensated(it->second.compensated() + lot.granted());
    if (it->second.compensated() > it->second.credits()) {
      return Broken("compensation exceeds its usage");
    }
    if (touched_) touched_->usages.push_back(it->first);
  }
  return absl::OkStatus();
}

absl::Status CustomerFold::RecordUsage(const v1::UsageState& usage) {
  if (!c_.usages.emplace(usage.usage_id(), usage).second) {
    return Broken(absl::StrCat("usage ", usage.usage_id(), " recorded twice"));
  }
  if (touched_) touched_->usages.push_back(usage.usage_id());
  return absl::OkStatus();
}

absl::Status CustomerFold::EndHold(
    const std::string& hold_id, v1::HoldStatus status,
    const google::protobuf::RepeatedPtrField<v1::Draw>& returned) {
  auto it = c_.holds.find(hold_id);
  if (it == c_.holds.end() || it->second.status() != v1::HOLD_PENDING) {
    return Broken(absl::StrCat("hold ", hold_id, " is not pending"));
  }
  for (const v1::Draw& draw : returned) {
    RETURN_IF_ERROR(AddToLot(draw.lot_id(), draw.credits()));
  }
  int64_t held = c_.header.held();
  RETURN_IF_ERROR(AddTo(held, -it->second.credits(), "held"));
  c_.header.set_held(held);
  it->second.set_status(status);
  if (touched_) touched_->holds.push_back(hold_id);
  return absl::OkStatus();
}

// docs/contract.md section 11: all of the remaining leaves, and the lot
// counts as expired from the void on.
absl::Status CustomerFold::VoidLot(const v1::LotVoided& voided) {
  v1::LotState* lot = c_.FindLot(voided.lot_id());
  if (lot == nullptr || lot->voided() ||
      (lot->source() != v1::PROMOTIONAL && lot->source() != v1::COMPENSATION) ||
      lot->remaining() != voided.credits() ||
      (lot->has_expires_at_us() && lot->expires_at_us() <= voided.expires_at_us())) {
    return Broken(absl::StrCat("lot ", voided.lot_id(), " cannot be voided"));
  }
  RETURN_IF_ERROR(AddToLot(voided.lot_id(), -voided.credits()));
  lot->set_voided(true);
  lot->set_expires_at_us(voided.expires_at_us());
  return absl::OkStatus();
}

absl::Status CustomerFold::RequestRefund(const v1::RefundState& refund) {
  v1::LotState* lot = c_.FindLot(refund.lot_id());
  if (lot == nullptr || !lot->active_refund_id().empty()) {
    return Broken(absl::StrCat("refund ", refund.refund_id(), " of lot ",
                               refund.lot_id(), " cannot be requested"));
  }
  if (!c_.refunds.emplace(refund.refund_id(), refund).second) {
    return Broken(absl::StrCat("refund ", refund.refund_id(), " requested twice"));
  }
  RETURN_IF_ERROR(AddToLot(refund.lot_id(), -refund.credits()));
  lot->set_active_refund_id(refund.refund_id());
  int64_t pending = c_.header.refund_pending();
  RETURN_IF_ERROR(AddTo(pending, refund.credits(), "refund_pending"));
  c_.header.set_refund_pending(pending);
  if (touched_) touched_->refunds.push_back(refund.refund_id());
  return absl::OkStatus();
}

absl::Status CustomerFold::ResolveRefund(const std::string& refund_id,
                                         v1::RefundStatus status,
                                         int64_t credits, int64_t cash_minor) {
  auto it = c_.refunds.find(refund_id);
  if (it == c_.refunds.end() || it->second.status() != v1::REFUND_PENDING ||
      it->second.credits() != credits) {
    return Broken(absl::StrCat("refund ", refund_id, " is not pending for ",
                               credits, " credits"));
  }
  v1::RefundState& refund = it->second;
  refund.set_status(status);
  if (status == v1::REFUND_APPROVED) {
    refund.set_cash_minor(cash_minor);
  } else {
    RETURN_IF_ERROR(AddToLot(refund.lot_id(), credits));
    c_.FindLot(refund.lot_id())->clear_active_refund_id();
  }
  int64_t pending = c_.header.refund_pending();
  RETURN_IF_ERROR(AddTo(pending, -credits, "refund_pending"));
  c_.header.set_refund_pending(pending);
  if (touched_) touched_->refunds.push_back(refund_id);
  return absl::OkStatus();
}

absl::Status CustomerFold::SetAlerts(const v1::AlertsSet& set) {
  *c_.header.mutable_alerts() = set.thresholds();
  return absl::OkStatus();
}

absl::Status CustomerFold::CrossThreshold(const v1::ThresholdCrossed& crossed) {
  const bool in_alert = crossed.state() == v1::TRIGGERED;
  for (v1::AlertThresholdState& t : *c_.header.mutable_alerts()) {
    if (t.code() != crossed.code()) continue;
    if (t.credits() != crossed.credits() || t.in_alert() == in_alert ||
        crossed.state() == v1::ALERT_STATE_UNSPECIFIED) {
      return Broken(absl::StrCat("threshold ", crossed.code(), " cannot move to ",
                                 v1::AlertState_Name(crossed.state())));
    }
    t.set_in_alert(in_alert);
    return absl::OkStatus();
  }
  return Broken(absl::StrCat("unknown threshold ", crossed.code()));
}

absl::Status CustomerFold::RequestTopUp(const v1::TopUpRequested& request) {
  const uint64_t n = c_.header.top_up_requests() + 1;
  if (c_.header.has_pending_top_up() ||
      request.request_id() != absl::StrCat("topup-", n) || request.credits() <= 0) {
    return Broken(absl::StrCat("top-up request ", request.request_id(),
                               " is not the next request"));
  }
  c_.header.set_top_up_requests(n);
  v1::TopUpRequestState& pending = *c_.header.mutable_pending_top_up();
  pending.set_request_id(request.request_id());
  pending.set_credits(request.credits());
  pending.set_requested_at_us(at_us_);
  return absl::OkStatus();
}

absl::Status CustomerFold::SettleTopUp(const std::string& request_id, bool declined) {
  if (!c_.header.has_pending_top_up() ||
      c_.header.pending_top_up().request_id() != request_id) {
    return Broken(absl::StrCat("top-up request ", request_id, " is not pending"));
  }
  c_.header.clear_pending_top_up();
  if (declined) c_.header.clear_auto_top_up();
  return absl::OkStatus();
}

absl::Status CustomerFold::Apply(const v1::Effect& e) {
  switch (e.kind_case()) {
    case v1::Effect::kLotGranted:
      return Grant(e.lot_granted().lot());
    case v1::Effect::kUsageRecorded: {
      for (const v1::Draw& d : e.usage_recorded().draws()) {
        RETURN_IF_ERROR(AddToLot(d.lot_id(), -d.credits()));
      }
      return RecordUsage(e.usage_recorded().usage());
    }
    case v1::Effect::kHoldPlaced: {
      const v1::HoldState& hold = e.hold_placed().hold();
      for (const v1::Draw& d : hold.portions()) {
        RETURN_IF_ERROR(AddToLot(d.lot_id(), -d.credits()));
      }
      if (!c_.holds.emplace(hold.hold_id(), hold).second) {
        return Broken(absl::StrCat("hold ", hold.hold_id(), " placed twice"));
      }
      int64_t held = c_.header.held();
      RETURN_IF_ERROR(AddTo(held, hold.credits(), "held"));
      c_.header.set_held(held);
      if (touched_) touched_->holds.push_back(hold.hold_id());
      return absl::OkStatus();
    }
    case v1::Effect::kHoldCaptured:
      RETURN_IF_ERROR(EndHold(e.hold_captured().hold_id(), v1::HOLD_CAPTURED,
                              e.hold_captured().returned()));
      return RecordUsage(e.hold_captured().usage());
    case v1::Effect::kHoldReleased:
      return EndHold(e.hold_released().hold_id(), v1::HOLD_RELEASED,
                     e.hold_released().returned());
    case v1::Effect::kRefundRequested:
      return RequestRefund(e.refund_requested().refund());
    case v1::Effect::kRefundApproved:
      return ResolveRefund(e.refund_approved().refund_id(), v1::REFUND_APPROVED,
                           e.refund_approved().credits(),
                           e.refund_approved().cash_minor());
    case v1::Effect::kRefundDenied:
      return ResolveRefund(e.refund_denied().refund_id(), v1::REFUND_DENIED,
                           e.refund_denied().credits(), 0);
    case v1::Effect::kLotExpired:
      return AddToLot(e.lot_expired().lot_id(), -e.lot_expired().credits());
    case v1::Effect::kLotForfeited:
      return AddToLot(e.lot_forfeited().lot_id(), -e.lot_forfeited().credits());
    case v1::Effect::kLotChargedBack: {
      const v1::LotChargedBack& cb = e.lot_charged_back();
      RETURN_IF_ERROR(AddToLot(cb.lot_id(), -cb.credits()));
      v1::LotState* lot = c_.FindLot(cb.lot_id());
      if (lot->charged_back()) return Broken("lot charged back twice");
      lot->set_charged_back(true);
      return absl::OkStatus();
    }
    case v1::Effect::kLotVoided:
      return VoidLot(e.lot_voided());
    case v1::Effect::kStatusChanged:
      if (c_.header.status() != e.status_changed().from()) {
        return Broken("status change from a status the customer is not in");
      }
      c_.header.set_status(e.status_changed().to());
      return absl::OkStatus();
    case v1::Effect::kSubscriptionStarted:
      *c_.header.mutable_subscription() = e.subscription_started().subscription();
      return absl::OkStatus();
    case v1::Effect::kSubscriptionRenewed:
      if (!c_.header.has_subscription()) return Broken("renewal without subscription");
      c_.header.mutable_subscription()->set_period_end_us(
          e.subscription_renewed().period_end_us());
      c_.header.mutable_subscription()->set_last_period_id(
          e.subscription_renewed().period_id());
      return absl::OkStatus();
    case v1::Effect::kSubscriptionCancelled:
      if (!c_.header.has_subscription()) return Broken("cancel without subscription");
      c_.header.mutable_subscription()->set_cancelled(true);
      return absl::OkStatus();
    case v1::Effect::kAlertsSet:
      return SetAlerts(e.alerts_set());
    case v1::Effect::kThresholdCrossed:
      return CrossThreshold(e.threshold_crossed());
    case v1::Effect::kAutoTopUpSet:
      if (e.auto_top_up_set().has_config()) {
        *c_.header.mutable_auto_top_up() = e.auto_top_up_set().config();
      } else {
        c_.header.clear_auto_top_up();
      }
      return absl::OkStatus();
    case v1::Effect::kTopUpRequested:
      return RequestTopUp(e.top_up_requested());
    case v1::Effect::kTopUpCompleted:
      return SettleTopUp(e.top_up_completed().request_id(), /*declined=*/false);
    case v1::Effect::kTopUpDeclined:
      return SettleTopUp(e.top_up_declined().request_id(), /*declined=*/true);
    case v1::Effect::kCustomerOpened:
      return Broken("customer opened twice");
    case v1::Effect::kPolicySet:
    case v1::Effect::KIND_NOT_SET:
      break;
  }
  return Broken("effect that does not belong to a customer");
}

absl::Status ApplyPolicy(const v1::Event& event, LedgerState& state,
                         TouchedEntities* touched) {
  if (event.effects_size() != 1 || !event.effects(0).has_policy_set()) {
    return absl::DataLossError(
        absl::StrCat("event ", event.header().seq(),
                     ": an event without customer must set a policy"));
  }
  v1::PolicyState policy = event.effects(0).policy_set().policy();
  if (policy.effective_from_us() != event.header().at_us() ||
      policy.effective_from_us() < state.policies.last_set_at_us()) {
    return absl::DataLossError(absl::StrCat(
        "event ", event.header().seq(), ": policy set out of time order"));
  }
  policy.set_seq(event.header().seq());
  state.policies.Add(policy);
  if (touched) touched->policy = true;
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyEvent(const v1::Event& event, LedgerState& state,
                        TouchedEntities* touched) {
  return ApplyEventEffects(event, event.effects_size(), state, touched);
}

absl::Status ApplyEventEffects(const v1::Event& event, int effects_end,
                               LedgerState& state, TouchedEntities* touched) {
  const v1::EventHeader& h = event.header();
  if (h.seq() != state.last_seq + 1) {
    return absl::DataLossError(absl::StrCat("event ", h.seq(), " follows ",
                                            state.last_seq, ": out of sequence"));
  }
  if (touched) {
    *touched = TouchedEntities();
    touched->customer = h.customer();
  }
  if (h.customer().empty()) {
    RETURN_IF_ERROR(ApplyPolicy(event, state, touched));
    state.last_seq = h.seq();
    return absl::OkStatus();
  }
  auto it = state.customers.find(h.customer());
  int first = 0;
  if (it == state.customers.end()) {
    if (event.effects_size() == 0 || !event.effects(0).has_customer_opened()) {
      return absl::DataLossError(absl::StrCat(
          "event ", h.seq(), ": unknown customer ", h.customer()));
    }
    it = state.customers.try_emplace(h.customer()).first;
    it->second.header.set_customer(h.customer());
    it->second.header.set_status(v1::ACTIVE);
    first = 1;
  } else if (h.at_us() < it->second.header.last_at_us()) {
    return absl::DataLossError(
        absl::StrCat("event ", h.seq(), ": time went backwards"));
  }
  CustomerFold fold(h.seq(), h.at_us(), it->second, touched);
  for (int i = first; i < effects_end; ++i) {
    RETURN_IF_ERROR(fold.Apply(event.effects(i)));
  }
  it->second.header.set_last_at_us(h.at_us());
  state.last_seq = h.seq();
  return absl::OkStatus();
}

absl::Status ApplyFollowUpEffects(const v1::Event& event, int from,
                                  LedgerState& state, TouchedEntities* touched) {
  const v1::EventHeader& h = event.header();
  auto it = state.customers.find(h.customer());
  if (h.seq() != state.last_seq || it == state.customers.end()) {
    return absl::DataLossError(absl::StrCat(
        "event ", h.seq(), ": follow-up effects before the event's own"));
  }
  CustomerFold fold(h.seq(), h.at_us(), it->second, touched);
  for (int i = from; i < event.effects_size(); ++i) {
    RETURN_IF_ERROR(fold.Apply(event.effects(i)));
  }
  return absl::OkStatus();
}

}  // namespace ledger
