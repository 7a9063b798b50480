#include "tools/workload/command_generator.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/limits.h"
#include "ledger/time_util.h"

namespace ledger::workload {
namespace {

constexpr int64_t kHourUs = 3600LL * 1000000;
constexpr int64_t kDayUs = 24 * kHourUs;
constexpr int64_t kStartUs = 1772964000000000;  // 2026-03-08T10:00:00Z

constexpr const char* kCategories[] = {
    "AI_PROCESSING",      "VOICE_GENERATION",    "AUTOMATED_CALL",
    "TELEPHONY_USAGE",    "CAMPAIGN_EXECUTION",  "PHONE_NUMBER_RENTAL",
    "REGULATORY_FEE"};
constexpr const char* kAbuseReasons[] = {"SPAM_CALLING", "ROBOCALL_ABUSE",
                                         "FRAUD", "HARASSMENT",
                                         "TELECOM_VIOLATION"};

}  // namespace

CommandMix CommandMix::Randomized() {
  using K = CommandKind;
  CommandMix mix;
  // In eighths, so suspend/terminate and reinstate/forfeit can split.
  mix.weights = {
      {K::kPurchase, 48},       {K::kTopUpPurchase, 8}, {K::kUse, 48},
      {K::kHold, 16},           {K::kCapture, 8},       {K::kRelease, 8},
      {K::kGrant, 8},           {K::kVoidGrant, 8},     {K::kRequestRefund, 8},
      {K::kApproveRefund, 4},   {K::kDenyRefund, 4},    {K::kCompensate, 8},
      {K::kExpire, 8},          {K::kSuspend, 7},       {K::kTerminate, 1},
      {K::kReinstate, 12},      {K::kForfeit, 4},       {K::kChargeback, 8},
      {K::kSubscribe, 8},       {K::kRenew, 8},         {K::kSetAlerts, 8},
      {K::kSetAutoTopUp, 8},    {K::kDeclineTopUp, 8},
      {K::kCancelSubscription, 32},
  };
  return mix;
}

CommandMix CommandMix::Fuzz() {
  CommandMix mix;
  for (int k = 0; k < kCommandKinds; ++k) {
    mix.weights.emplace_back(static_cast<CommandKind>(k), 1);
  }
  mix.customers = 3;
  mix.ids_per_kind = 4;
  mix.edge_values = true;
  mix.key_reuse_one_in = 16;
  mix.backdate_one_in = 31;
  mix.max_step_hours = 9;
  mix.long_jump_one_in = 11;
  mix.chargebacks_name_periods = true;
  return mix;
}

CommandGenerator::CommandGenerator(CommandMix mix)
    : mix_(std::move(mix)), now_us_(kStartUs) {
  for (const auto& [kind, weight] : mix_.weights) total_weight_ += weight;
  LEDGER_CHECK(total_weight_ > 0) << "a CommandMix without any kind";
}

CommandKind CommandGenerator::PickKind(Choices& in) {
  int64_t draw = in.Pick(0, total_weight_ - 1);
  for (const auto& [kind, weight] : mix_.weights) {
    if (draw < weight) return kind;
    draw -= weight;
  }
  return mix_.weights.back().first;
}

std::string CommandGenerator::Id(Choices& in, const char* prefix) const {
  return absl::StrCat(prefix, in.Pick(0, mix_.ids_per_kind - 1));
}

std::string CommandGenerator::Later(Choices& in, int max_hours) const {
  return FormatTimeUs(last_at_us_ + in.Pick(1, max_hours) * kHourUs);
}

std::string CommandGenerator::Category(Choices& in) const {
  return kCategories[in.Pick(0, 6)];
}

int64_t CommandGenerator::Credits(Choices& in, int64_t hi) const {
  if (mix_.edge_values) {
    switch (in.Pick(0, 7)) {
      case 0: return 1;
      case 1: return kMaxCredits;
      case 2: return kMaxCredits - 1;
      default: break;
    }
  }
  return in.Pick(1, hi);
}

int64_t CommandGenerator::Amount(Choices& in) const {
  if (mix_.edge_values) {
    switch (in.Pick(0, 5)) {
      case 0: return 0;
      case 1: return kMaxAmountMinor;
      default: return in.Pick(0, 100000);
    }
  }
  return in.Pick(0, 99999);
}

template <typename Lot>
void CommandGenerator::Scope(Choices& in, Lot& lot) const {
  if (in.OneIn(3)) {
    for (int64_t n = in.Pick(1, 3); n > 0; --n) {
      std::string name = Category(in);
      if (std::find(lot.applies_to().begin(), lot.applies_to().end(), name) ==
          lot.applies_to().end()) {
        lot.add_applies_to(std::move(name));
      }
    }
  }
  if (in.OneIn(3)) lot.set_priority(in.Pick(0, 100));
}

v1::Command CommandGenerator::Next(Choices& in) {
  ++n_;
  if (mix_.long_jump_one_in > 0 && in.OneIn(mix_.long_jump_one_in)) {
    now_us_ += in.Pick(0, 400) * kDayUs;
  } else {
    now_us_ += in.Pick(0, mix_.max_step_hours) * kHourUs;
  }
  last_at_us_ = now_us_;
  if (in.OneIn(mix_.backdate_one_in)) last_at_us_ -= kDayUs;
  const CommandKind kind = PickKind(in);
  customer_ = absl::StrCat("c", in.Pick(0, mix_.customers - 1));
  v1::Command c;
  c.set_key(absl::StrCat(
      "k", in.OneIn(mix_.key_reuse_one_in) ? in.Pick(1, n_) : n_));
  c.set_at(FormatTimeUs(last_at_us_));
  Fill(kind, in, c);
  if (kind == CommandKind::kSetPolicy) {
    customer_.clear();  // the policy is the ledger's, not a customer's
  } else {
    c.set_customer(customer_);
  }
  return c;
}

// One case per kind; the fields any ledger accepts, values drawn so that
// many are also refused (unknown ids, too few credits, windows closed).
void CommandGenerator::Fill(CommandKind kind, Choices& in, v1::Command& c) {
  using K = CommandKind;
  switch (kind) {
    case K::kPurchase: {
      v1::Purchase& p = *c.mutable_purchase();
      p.set_purchase_id(Id(in, "p"));
      p.set_credits(Credits(in, 5000));
      p.set_amount_minor(Amount(in));
      p.set_currency(in.Pick(0, 1) ? "USD" : "EUR");
      if (!in.OneIn(3)) p.set_expires_at(Later(in, 30 * 24));
      Scope(in, p);
      return;
    }
    case K::kTopUpPurchase: {  // answers the ledger's request topup-N
      v1::Purchase& p = *c.mutable_purchase();
      p.set_purchase_id(Id(in, "p"));
      p.set_credits(Credits(in, 3000));
      p.set_amount_minor(100);
      p.set_currency("USD");
      p.set_top_up_request_id(absl::StrCat("topup-", in.Pick(1, 3)));
      return;
    }
    case K::kSubscribe: {
      v1::Subscribe& s = *c.mutable_subscribe();
      s.set_period_id(Id(in, "s"));
      s.set_plan("pro");
      s.set_credits(Credits(in, 3000));
      s.set_amount_minor(mix_.edge_values ? Amount(in) : 4900);
      s.set_currency("USD");
      s.set_period_end(Later(in, 30 * 24));
      Scope(in, s);
      return;
    }
    case K::kRenew: {
      v1::Renew& r = *c.mutable_renew();
      r.set_period_id(Id(in, "s"));
      r.set_credits(mix_.edge_values ? Credits(in, 3000) : 1000);
      r.set_amount_minor(mix_.edge_values ? Amount(in) : 4900);
      r.set_period_end(Later(in, 60 * 24));
      return;
    }
    case K::kCancelSubscription:
      c.mutable_cancel_subscription();
      return;
    case K::kUse: {
      v1::Use& u = *c.mutable_use();
      u.set_usage_id(Id(in, "u"));
      u.set_category(Category(in));
      u.set_credits(Credits(in, 800));
      return;
    }
    case K::kHold: {
      v1::Hold& h = *c.mutable_hold();
      last_hold_customer_ = customer_;
      last_hold_id_ = Id(in, "h");
      h.set_hold_id(last_hold_id_);
      h.set_credits(Credits(in, 800));
      h.set_expires_at(Later(in, 2 * 24));
      if (in.Pick(0, 1)) h.set_category(Category(in));
      return;
    }
    case K::kCapture: {
      // Most captures name the last hold placed (with or without a
      // category), so they meet pending holds and CATEGORY_MISMATCH.
      v1::Capture& cap = *c.mutable_capture();
      if (!last_hold_id_.empty() && in.Pick(0, 3) > 0) {
        customer_ = last_hold_customer_;
        cap.set_hold_id(last_hold_id_);
      } else {
        cap.set_hold_id(Id(in, "h"));
      }
      cap.set_usage_id(Id(in, "u"));
      cap.set_category(Category(in));
      cap.set_provider("TWILIO");
      cap.set_credits(Credits(in, 800));
      return;
    }
    case K::kRelease:
      c.mutable_release()->set_hold_id(Id(in, "h"));
      return;
    case K::kRequestRefund: {
      v1::RequestRefund& r = *c.mutable_request_refund();
      r.set_refund_id(Id(in, "r"));
      r.set_purchase_id(Id(in, "p"));
      return;
    }
    case K::kApproveRefund:
      c.mutable_approve_refund()->set_refund_id(Id(in, "r"));
      return;
    case K::kDenyRefund:
      c.mutable_deny_refund()->set_refund_id(Id(in, "r"));
      return;
    case K::kCompensate: {
      v1::Compensate& a = *c.mutable_compensate();
      a.set_adjustment_id(Id(in, "a"));
      a.set_usage_id(Id(in, "u"));
      a.set_credits(Credits(in, 300));
      a.set_verified_by("ops");
      Scope(in, a);
      return;
    }
    case K::kExpire:
      c.mutable_expire();
      return;
    case K::kSuspend:
      c.mutable_suspend()->set_reason(kAbuseReasons[in.Pick(0, 4)]);
      return;
    case K::kTerminate:
      c.mutable_terminate()->set_reason(kAbuseReasons[in.Pick(0, 4)]);
      return;
    case K::kReinstate:
      c.mutable_reinstate();
      return;
    case K::kForfeit:
      c.mutable_forfeit();
      return;
    case K::kChargeback: {
      v1::Chargeback& b = *c.mutable_chargeback();
      b.set_purchase_id(
          Id(in, mix_.chargebacks_name_periods && in.Pick(0, 1) ? "s" : "p"));
      b.set_contacted_support(in.Pick(0, 4) > 0);
      return;
    }
    case K::kSetPolicy: {
      v1::SetPolicy& p = *c.mutable_set_policy();
      p.set_version(Id(in, "v"));
      p.set_refund_window_hours(in.Pick(0, 87600));
      p.set_inquiry_window_hours(in.Pick(0, 87600));
      return;
    }
    case K::kGrant: {
      v1::Grant& g = *c.mutable_grant();
      g.set_grant_id(Id(in, "g"));
      g.set_credits(Credits(in, 2000));
      g.set_reason("sign-up bonus");
      if (in.Pick(0, 1)) g.set_expires_at(Later(in, 20 * 24));
      Scope(in, g);
      return;
    }
    case K::kVoidGrant: {
      // Mostly grants; adjustments and purchases are NOT_VOIDABLE.
      static constexpr const char* kVoidable[] = {"g", "g", "a", "p"};
      v1::VoidGrant& v = *c.mutable_void_grant();
      v.set_lot_id(Id(in, kVoidable[in.Pick(0, 3)]));
      v.set_reason("promotion withdrawn");
      return;
    }
    case K::kSetAlerts: {  // 0-3 thresholds, around the credits customers hold
      v1::SetAlerts& a = *c.mutable_set_alerts();
      for (int64_t t = in.Pick(0, 3); t > 0; --t) {
        v1::AlertThreshold& th = *a.add_thresholds();
        th.set_code(absl::StrCat("t", t));
        th.set_credits(in.Pick(0, 4) * 500);
      }
      return;
    }
    case K::kSetAutoTopUp: {
      v1::SetAutoTopUp& t = *c.mutable_set_auto_top_up();
      if (in.OneIn(5)) return;  // turned off
      // `below` around what customers hold, so requests are made often.
      const int64_t below = in.Pick(1, 6) * 1000;
      t.set_below(below);
      t.set_target(below + in.Pick(1, 3) * 1000);
      return;
    }
    case K::kDeclineTopUp: {
      v1::DeclineTopUp& d = *c.mutable_decline_top_up();
      d.set_request_id(absl::StrCat("topup-", in.Pick(1, 3)));
      d.set_reason("card declined");
      return;
    }
  }
  LEDGER_CHECK(false) << "unknown CommandKind " << static_cast<int>(kind);
}

}  // namespace ledger::workload
