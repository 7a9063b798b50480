#include "ledger/rules/follow_up.h"

#include "absl/strings/str_cat.h"

namespace ledger {
namespace {

// The crossing rule: a threshold not in alert with available <= credits
// goes in alert; one in alert with available > credits leaves it. Time
// alone moves nothing: only a command of the customer is evaluated.
void CrossThresholds(const v1::CustomerHeader& h, int64_t available,
                     google::protobuf::RepeatedPtrField<v1::Effect>* effects) {
  for (const v1::AlertThresholdState& t : h.alerts()) {
    const bool low = available <= t.credits();
    if (low == t.in_alert()) continue;
    v1::ThresholdCrossed& moved = *effects->Add()->mutable_threshold_crossed();
    moved.set_code(t.code());
    moved.set_credits(t.credits());
    moved.set_state(low ? v1::TRIGGERED : v1::RESOLVED);
  }
}

// The request rule: an ACTIVE customer with automatic top-up on and no
// pending request, at or below `below`, gets request n + 1 for target - A.
// At most one request is ever pending, so no retry, repeat or race of the
// platform's workers can charge a card twice.
void RequestTopUp(const v1::CustomerHeader& h, int64_t available,
                  google::protobuf::RepeatedPtrField<v1::Effect>* effects) {
  if (h.status() != v1::ACTIVE || !h.has_auto_top_up() || h.has_pending_top_up()) {
    return;
  }
  if (available > h.auto_top_up().below()) return;
  v1::TopUpRequested& request = *effects->Add()->mutable_top_up_requested();
  request.set_request_id(absl::StrCat("topup-", h.top_up_requests() + 1));
  // target > below >= available: at least 1 credit.
  request.set_credits(h.auto_top_up().target() - available);
}

}  // namespace

void DecideFollowUp(const CustomerState& customer, int64_t available,
                    google::protobuf::RepeatedPtrField<v1::Effect>* effects) {
  CrossThresholds(customer.header, available, effects);
  RequestTopUp(customer.header, available, effects);
}

bool IsFollowUpEffect(const v1::Effect& effect) {
  return effect.has_threshold_crossed() || effect.has_top_up_requested();
}

int OwnEffectCount(const v1::Event& event) {
  int own = 0;
  while (own < event.effects_size() && !IsFollowUpEffect(event.effects(own))) ++own;
  return own;
}

}  // namespace ledger
