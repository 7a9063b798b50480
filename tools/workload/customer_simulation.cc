#include "tools/workload/customer_simulation.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/time_util.h"
#include "tools/workload/choices.h"
#include "tools/workload/command_builders.h"
#include "tools/workload/platform_day.h"

namespace ledger::workload {
namespace internal {

// A call in progress: a hold the customer placed.
struct PendingCall {
  std::string hold_id;
  int64_t credits = 0;
  int64_t expires_at_us = 0;
  v1::Category category = v1::CATEGORY_UNSPECIFIED;  // what the call spends
  bool capture_failed = false;  // captured too late: release it next
};

// One simulated customer: its own random stream and what it knows.
struct CustomerState {
  std::string id;
  ModuloChoices choices;
  std::string currency;
  int64_t clock_us = 0;     // `at` of its latest command
  int64_t mean_gap_us = 0;  // between ordinary actions
  int64_t sweep_at_us = 0;  // the late expiry sweep
  int steps_left = 0;       // ordinary actions still to take
  int suspend_at_step = -1;
  int commands = 0;
  uint64_t counter = 0;  // for keys and ids

  bool opened = false;
  bool done = false;
  bool swept = false;
  bool subscribed = false;
  bool trial = false;
  bool renew_planned = false;
  bool cancelled = false;
  int64_t period_end_us = 0;
  bool suspended = false;
  int bounced_attempts = 0;  // dialer calls while suspended
  bool will_reinstate = false;
  int64_t reinstate_at_us = 0;

  // docs/contract.md section 11: a sign-up bonus after the account opens,
  // which support may later void (a promotion withdrawn).
  bool bonus_due = false;
  std::string bonus_id;  // once granted and not voided
  int64_t estimate = 0;  // credits it believes it has
  bool need_topup = false;
  std::string campaign_id;
  std::vector<std::string> purchase_ids;
  std::vector<std::pair<std::string, int64_t>> usages;  // id, credits
  std::vector<std::string> pending_refunds;
  std::optional<PendingCall> call;
  std::optional<v1::Command> retry;  // a client retry of an accepted command
};


}  // namespace internal

namespace {

using internal::PendingCall;
using State = internal::CustomerState;

constexpr int64_t kHoldLifetimeUs = 15 * kMinuteUs;

// A customer that somehow loops stops here.
constexpr int kMaxCommandsPerCustomer = 2000;

struct Pack {
  int64_t credits;
  int64_t price_minor;
};
constexpr Pack kPacks[] = {{500, 999},    {1000, 1999},   {2500, 4499},
                           {5000, 8499},  {10000, 15999}, {25000, 37499}};

constexpr v1::StatusReason kSuspendReasons[] = {
    v1::SPAM_CALLING, v1::ROBOCALL_ABUSE, v1::FRAUD, v1::HARASSMENT,
    v1::TELECOM_VIOLATION};
constexpr v1::Provider kProviders[] = {v1::TWILIO, v1::TELNYX,
                                       v1::OTHER_CARRIER};

uint64_t Below(State& c, uint64_t n) {
  return static_cast<uint64_t>(c.choices.Pick(0, static_cast<int64_t>(n) - 1));
}
int64_t Between(State& c, int64_t lo, int64_t hi) {  // inclusive
  return lo + static_cast<int64_t>(Below(c, static_cast<uint64_t>(hi - lo + 1)));
}
bool Chance(State& c, int per_mille) {
  return Below(c, 1000) < static_cast<uint64_t>(per_mille);
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}


void Start(State& c, uint64_t seed, int index) {
  c.id = absl::StrFormat("cust-%06d", index);
  c.choices.Seed(SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(index))));
  const uint64_t currency = Below(c, 100);
  c.currency = currency < 80 ? "USD" : currency < 95 ? "EUR" : "GBP";
  const int64_t day = DayStartUs();
  c.clock_us = day + Between(c, 0, 10 * kHourUs);
  c.sweep_at_us = day + 23 * kHourUs + Between(c, 0, 50 * kMinuteUs);
  const uint64_t activity = Below(c, 100);
  c.steps_left = activity < 75   ? static_cast<int>(Between(c, 10, 40))
                 : activity < 95 ? static_cast<int>(Between(c, 40, 100))
                                 : static_cast<int>(Between(c, 100, 250));
  const int64_t active_us = c.sweep_at_us - 30 * kMinuteUs - c.clock_us;
  c.mean_gap_us = active_us / (c.steps_left + 1);
  if (Chance(c, 30)) {
    c.suspend_at_step = static_cast<int>(Between(c, 0, c.steps_left - 1));
  }
}

std::string NextKey(State& c) {
  return absl::StrCat("demo:", c.id, ":", ++c.counter);
}

v1::Command NewCommand(State& c) {
  v1::Command cmd;
  cmd.set_key(NextKey(c));
  cmd.set_customer(c.id);
  cmd.set_at(FormatTimeUs(c.clock_us));
  return cmd;
}

std::string NewId(State& c, std::string_view prefix) {
  return absl::StrCat(std::string(prefix), "-", ++c.counter);
}

void Advance(State& c, int64_t us) { c.clock_us += us; }

v1::Command TopUp(State& c, int64_t min_pack, int64_t max_pack) {
  const std::string key = NextKey(c);
  const Pack& pack = kPacks[Between(c, min_pack, max_pack)];
  PurchaseArgs args{.key = key,
                    .customer = c.id,
                    .at = FormatTimeUs(c.clock_us),
                    .purchase_id = NewId(c, "p"),
                    .credits = pack.credits,
                    .amount_minor = pack.price_minor,
                    .currency = c.currency};
  const uint64_t expiry = Below(c, 100);
  if (expiry < 25) {  // a "flash" pack: cheap credits that expire today
    args.expires_at = FormatTimeUs(c.clock_us + Between(c, 2, 8) * kHourUs);
  } else if (expiry < 55) {
    args.expires_at = FormatTimeUs(c.clock_us + 365 * kDayUs);
  }
  v1::Command cmd = Purchase(args);
  if (Chance(c, 150)) {
    // A telephony-only pack (docs/contract.md section 11), spent before
    // the general balance on telephony calls.
    cmd.mutable_purchase()->add_applies_to(v1::Category_Name(v1::TELEPHONY_USAGE));
    cmd.mutable_purchase()->set_priority(20);
  }
  return cmd;
}

// docs/contract.md section 11: a sign-up bonus, free and expiring in two
// weeks.
v1::Command SignUpBonus(State& c) {
  c.bonus_due = false;
  Advance(c, Between(c, 0, 2) * kMinuteUs);
  v1::Command cmd = NewCommand(c);
  v1::Grant* g = cmd.mutable_grant();
  g->set_grant_id(NewId(c, "bonus"));
  g->set_credits(Chance(c, 500) ? 200 : 500);
  g->set_reason("sign-up bonus");
  g->set_expires_at(FormatTimeUs(c.clock_us + 14 * kDayUs));
  return cmd;
}

// Support takes the bonus back (a second account of the same person).
v1::Command VoidBonus(State& c) {
  v1::Command cmd = NewCommand(c);
  v1::VoidGrant* v = cmd.mutable_void_grant();
  v->set_lot_id(c.bonus_id);
  v->set_reason("promotion withdrawn: a second account of the same person");
  c.bonus_id.clear();
  return cmd;
}

v1::Command OpenAccount(State& c) {
  const uint64_t kind = Below(c, 100);
  if (kind >= 30) return TopUp(c, 1, 4);
  v1::Command cmd = NewCommand(c);
  v1::Subscribe* s = cmd.mutable_subscribe();
  s->set_currency(c.currency);
  if (kind < 10) {  // a trial that ends today; its credits expire with it
    s->set_period_id(NewId(c, "trial"));
    s->set_plan("trial");
    s->set_credits(300);
    s->set_amount_minor(0);
    s->set_period_end(FormatTimeUs(c.clock_us + Between(c, 6, 10) * kHourUs));
  } else {
    s->set_period_id(NewId(c, "period"));
    s->set_plan("pro");
    s->set_credits(5000);
    s->set_amount_minor(4900);
    s->set_period_end(FormatTimeUs(c.clock_us + 30 * kDayUs));
  }
  return cmd;
}

v1::Command Renew(State& c) {
  c.clock_us = std::max(c.clock_us, c.period_end_us) + Between(c, 0, 5) * kMinuteUs;
  v1::Command cmd = NewCommand(c);
  v1::Renew* r = cmd.mutable_renew();
  r->set_period_id(NewId(c, "period"));
  r->set_credits(5000);
  r->set_amount_minor(4900);
  r->set_period_end(FormatTimeUs(c.period_end_us + 30 * kDayUs));
  return cmd;
}

v1::Command PlaceHold(State& c) {
  if (c.campaign_id.empty() || Chance(c, 100)) c.campaign_id = NewId(c, "camp");
  v1::Command cmd = NewCommand(c);
  v1::Hold* h = cmd.mutable_hold();
  h->set_hold_id(NewId(c, "h"));
  h->set_credits(Between(c, 20, 400));
  h->set_expires_at(FormatTimeUs(c.clock_us + kHoldLifetimeUs));
  // A telephony call is held for its category, so a telephony-only pack
  // pays for it; the others are held without one.
  if (Chance(c, 300)) h->set_category(v1::Category_Name(v1::TELEPHONY_USAGE));
  return cmd;
}

v1::Category CallCategory(State& c) {
  const uint64_t r = Below(c, 100);
  return r < 65 ? v1::AUTOMATED_CALL : v1::CAMPAIGN_EXECUTION;
}

v1::Command FinishCall(State& c) {
  PendingCall& call = *c.call;
  const uint64_t r = Below(c, 1000);
  if (call.capture_failed || (r >= 30 && r < 130)) {
    Advance(c, Between(c, 1, 5) * kMinuteUs);  // the call did not connect
    v1::Command cmd = NewCommand(c);
    cmd.mutable_release()->set_hold_id(call.hold_id);
    return cmd;
  }
  if (r < 30) {  // the capture comes after the hold expired
    c.clock_us = std::max(c.clock_us, call.expires_at_us) +
                 Between(c, 1, 5) * kMinuteUs;
  } else {
    Advance(c, Between(c, 1, 12) * kMinuteUs);
  }
  v1::Command cmd = NewCommand(c);
  v1::Capture* cap = cmd.mutable_capture();
  cap->set_hold_id(call.hold_id);
  cap->set_usage_id(NewId(c, "u"));
  cap->set_category(v1::Category_Name(call.category != v1::CATEGORY_UNSPECIFIED
                                          ? call.category
                                          : CallCategory(c)));
  cap->set_credits(std::max<int64_t>(1, call.credits * Between(c, 30, 100) / 100));
  cap->set_provider(v1::Provider_Name(kProviders[Below(c, 3)]));
  cap->set_campaign_id(c.campaign_id);
  cap->set_call_id(NewId(c, "call"));
  return cmd;
}

v1::Command DirectUse(State& c) {
  const std::string key = NextKey(c);
  UseArgs args{.key = key,
               .customer = c.id,
               .at = FormatTimeUs(c.clock_us),
               .usage_id = NewId(c, "u")};
  const uint64_t r = Below(c, 100);
  if (r < 40) {
    args.category = v1::Category_Name(v1::AI_PROCESSING);
    args.credits = Between(c, 5, 300);
  } else if (r < 80) {
    args.category = v1::Category_Name(v1::VOICE_GENERATION);
    args.credits = Between(c, 5, 300);
    args.campaign_id = c.campaign_id;  // none when empty
  } else if (r < 90) {
    args.category = v1::Category_Name(v1::PHONE_NUMBER_RENTAL);
    args.credits = 100;
  } else {
    args.category = v1::Category_Name(v1::REGULATORY_FEE);
    args.credits = Between(c, 5, 20);
  }
  return Use(args);
}

v1::Command RequestRefund(State& c) {
  v1::Command cmd = NewCommand(c);
  v1::RequestRefund* r = cmd.mutable_request_refund();
  r->set_refund_id(NewId(c, "r"));
  r->set_purchase_id(c.purchase_ids[Below(c, c.purchase_ids.size())]);
  return cmd;
}

v1::Command DecideRefund(State& c) {
  Advance(c, Between(c, 10, 60) * kMinuteUs);  // support reviews it
  const std::string refund_id = c.pending_refunds.front();
  c.pending_refunds.erase(c.pending_refunds.begin());
  v1::Command cmd = NewCommand(c);
  if (Chance(c, 600)) {
    cmd.mutable_approve_refund()->set_refund_id(refund_id);
  } else {
    v1::DenyRefund* d = cmd.mutable_deny_refund();
    d->set_refund_id(refund_id);
    d->set_reason("credits were bought for a campaign that already ran");
  }
  return cmd;
}

v1::Command Compensate(State& c) {
  const auto& [usage_id, credits] = c.usages[Below(c, c.usages.size())];
  v1::Command cmd = NewCommand(c);
  v1::Compensate* k = cmd.mutable_compensate();
  k->set_adjustment_id(NewId(c, "adj"));
  k->set_usage_id(usage_id);
  k->set_credits(std::max<int64_t>(1, credits * Between(c, 10, 60) / 100));
  k->set_verified_by(absl::StrCat("noc:incident-", Below(c, 40)));
  if (Chance(c, 300)) k->set_expires_at(FormatTimeUs(c.clock_us + 90 * kDayUs));
  return cmd;
}

v1::Command Suspend(State& c) {
  v1::Command cmd = NewCommand(c);
  cmd.mutable_suspend()->set_reason(
      v1::StatusReason_Name(kSuspendReasons[Below(c, 5)]));
  return cmd;
}

v1::Command WhileSuspended(State& c) {
  if (c.bounced_attempts > 0) {  // its dialer keeps trying
    --c.bounced_attempts;
    Advance(c, Between(c, 1, 10) * kMinuteUs);
    return DirectUse(c);
  }
  c.clock_us = std::max(c.clock_us, c.reinstate_at_us);
  v1::Command cmd = NewCommand(c);
  cmd.mutable_reinstate();
  return cmd;
}

v1::Command Sweep(State& c) {
  c.clock_us = std::max(c.clock_us, c.sweep_at_us);
  v1::Command cmd = NewCommand(c);
  cmd.mutable_expire();
  return cmd;
}

// An ordinary action of an active customer.
v1::Command Action(State& c) {
  Advance(c, Between(c, c.mean_gap_us / 2, c.mean_gap_us * 3 / 2));
  if (c.steps_left == c.suspend_at_step) return Suspend(c);
  if ((c.need_topup || c.estimate < 200) && Chance(c, 850)) {
    c.need_topup = false;
    return TopUp(c, 0, 5);
  }
  const uint64_t r = Below(c, 1000);
  if (r < 450) return PlaceHold(c);
  if (r < 800) return DirectUse(c);
  if (r < 860) return TopUp(c, 0, 5);
  if (r < 885 && !c.purchase_ids.empty()) return RequestRefund(c);
  if (r < 890 && !c.bonus_id.empty()) return VoidBonus(c);
  if (r < 910 && !c.usages.empty()) return Compensate(c);
  if (r < 915 && c.subscribed && !c.trial && !c.cancelled) {
    v1::Command cmd = NewCommand(c);
    cmd.mutable_cancel_subscription();
    return cmd;
  }
  return DirectUse(c);
}

// The customer's next command, or nothing once its day is over.
std::optional<v1::Command> NextCommand(State& c) {
  if (c.done) return std::nullopt;
  if (++c.commands > kMaxCommandsPerCustomer) {
    c.done = true;
    return std::nullopt;
  }
  if (c.retry.has_value()) {
    v1::Command cmd = std::move(*c.retry);
    c.retry.reset();
    return cmd;
  }
  if (!c.opened) return OpenAccount(c);
  if (c.bonus_due) return SignUpBonus(c);
  if (c.call.has_value()) return FinishCall(c);
  if (!c.pending_refunds.empty() && Chance(c, 700)) return DecideRefund(c);
  if (c.suspended && (c.bounced_attempts > 0 || c.will_reinstate)) {
    return WhileSuspended(c);
  }
  if (c.trial && c.renew_planned && c.clock_us >= c.period_end_us) {
    return Renew(c);
  }
  if (c.suspended || c.steps_left <= 0 ||
      c.clock_us + c.mean_gap_us >= c.sweep_at_us - 30 * kMinuteUs) {
    if (!c.swept) return Sweep(c);
    c.done = true;
    return std::nullopt;
  }
  --c.steps_left;
  return Action(c);
}

void OnOpened(State& c, const v1::Command& cmd) {
  c.opened = true;
  c.bonus_due = Chance(c, 600);
  if (cmd.has_purchase()) {
    c.purchase_ids.push_back(cmd.purchase().purchase_id());
    c.estimate += cmd.purchase().credits();
    return;
  }
  c.subscribed = true;
  c.trial = cmd.subscribe().plan() == "trial";
  c.renew_planned = c.trial && Chance(c, 600);
  c.period_end_us = ParseTimeUs(cmd.subscribe().period_end()).value();
  c.estimate += cmd.subscribe().credits();
}

void OnCallResult(State& c, const v1::Command& cmd, bool accepted,
                  v1::RejectionCode code) {
  if (cmd.has_hold()) {
    if (accepted) {
      v1::Category category = v1::CATEGORY_UNSPECIFIED;
      if (cmd.hold().has_category()) v1::Category_Parse(cmd.hold().category(), &category);
      c.call = PendingCall{cmd.hold().hold_id(), cmd.hold().credits(),
                           ParseTimeUs(cmd.hold().expires_at()).value(), category};
      c.estimate -= cmd.hold().credits();
    } else if (code == v1::INSUFFICIENT_CREDITS) {
      c.need_topup = true;
      c.estimate = 0;
    }
    return;
  }
  if (!c.call.has_value()) return;
  if (cmd.has_capture()) {
    if (accepted) {
      c.usages.emplace_back(cmd.capture().usage_id(), cmd.capture().credits());
      c.estimate += c.call->credits - cmd.capture().credits();
      c.call.reset();
    } else if (code == v1::HOLD_EXPIRED) {
      c.call->capture_failed = true;
    } else {
      c.call.reset();
    }
  } else if (cmd.has_release()) {
    if (accepted) c.estimate += c.call->credits;
    c.call.reset();
  }
}

// Updates what the customer knows from the result of its command.
void OnResult(State& c, const v1::Command& cmd,
              const SubmitResult& result) {
  if (result.outcome == Outcome::kDuplicate) return;
  const bool accepted = result.outcome == Outcome::kAccepted;
  if (accepted && Chance(c, 10)) c.retry = cmd;  // the client retries
  if (!c.opened) {
    if (accepted) {
      OnOpened(c, cmd);
    } else {
      c.done = true;
    }
    return;
  }
  switch (cmd.kind_case()) {
    case v1::Command::kHold:
    case v1::Command::kCapture:
    case v1::Command::kRelease:
      OnCallResult(c, cmd, accepted, result.code);
      break;
    case v1::Command::kUse:
      if (accepted) {
        c.usages.emplace_back(cmd.use().usage_id(), cmd.use().credits());
        c.estimate -= cmd.use().credits();
      } else if (result.code == v1::INSUFFICIENT_CREDITS) {
        c.need_topup = true;
        c.estimate = 0;
      }
      break;
    case v1::Command::kPurchase:
      if (accepted) {
        c.purchase_ids.push_back(cmd.purchase().purchase_id());
        c.estimate += cmd.purchase().credits();
      }
      break;
    case v1::Command::kRenew:
      c.trial = false;  // converted, or stays lapsed when rejected
      if (accepted) {
        c.period_end_us = ParseTimeUs(cmd.renew().period_end()).value();
        c.estimate += cmd.renew().credits();
      }
      break;
    case v1::Command::kRequestRefund:
      if (accepted) c.pending_refunds.push_back(cmd.request_refund().refund_id());
      break;
    case v1::Command::kGrant:
      if (accepted) {
        c.bonus_id = cmd.grant().grant_id();
        c.estimate += cmd.grant().credits();
      }
      break;
    case v1::Command::kCancelSubscription:
      c.cancelled = true;
      break;
    case v1::Command::kSuspend:
      if (accepted) {
        c.suspended = true;
        c.call.reset();  // suspend releases holds and denies refunds
        c.pending_refunds.clear();
        c.bounced_attempts = static_cast<int>(Between(c, 1, 3));
        c.will_reinstate = Chance(c, 750);
        c.reinstate_at_us = c.clock_us + Between(c, 30, 120) * kMinuteUs;
      }
      break;
    case v1::Command::kReinstate:
      c.suspended = !accepted;
      c.will_reinstate = false;
      break;
    case v1::Command::kExpire:
      c.swept = true;
      break;
    default:
      break;
  }
}
}  // namespace

SimulatedCustomer::SimulatedCustomer(uint64_t seed, int index)
    : state_(std::make_unique<internal::CustomerState>()) {
  Start(*state_, seed, index);
}
SimulatedCustomer::~SimulatedCustomer() = default;
SimulatedCustomer::SimulatedCustomer(SimulatedCustomer&&) noexcept = default;
SimulatedCustomer& SimulatedCustomer::operator=(SimulatedCustomer&&) noexcept =
    default;

std::optional<v1::Command> SimulatedCustomer::NextCommand() {
  return ledger::workload::NextCommand(*state_);
}

void SimulatedCustomer::OnResult(const v1::Command& command,
                                 const SubmitResult& result) {
  ledger::workload::OnResult(*state_, command, result);
}

const std::string& SimulatedCustomer::id() const { return state_->id; }
int64_t SimulatedCustomer::clock_us() const { return state_->clock_us; }
bool SimulatedCustomer::swept() const { return state_->swept; }

}  // namespace ledger::workload
