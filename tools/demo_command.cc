// `ledgerctl demo`: a simulated platform day against a fresh ledger, then a
// replay of it and a short report.
//
// The simulation: each customer is a small state machine with its own random
// stream (derived from --seed and the customer's number) that opens an
// account (a purchase, a paid "pro" subscription or a short "trial" one),
// then runs calls (hold, then capture or release; a few captured too late),
// direct usage, top-ups (some "flash" packs expiring within hours), refund
// requests that support later approves or denies, compensations for usage,
// the odd cancellation, suspension (dialers bounce while suspended) and
// reinstatement, retries of commands already accepted (duplicates), and an
// expiry sweep late in the day. A `set_policy` at noon tightens the windows;
// it is submitted before the worker threads start.
//
// Each worker thread owns a disjoint set of customers and works in rounds:
// one command per live customer per round, submitted with SubmitBatch, and
// each customer's next command is chosen after its previous result. So a
// customer's commands have non-decreasing `at`, and every command and every
// outcome depends only on the seed, not on --threads or on scheduling (the
// sequence numbers do depend on scheduling).
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/verify.h"
#include "ledger/time_util.h"
#include "tools/commands.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl demo [--db DIR] [--customers N] [--threads T] "
    "[--seed S]\n"
    "\n"
    "Simulates a day of a voice-calling platform against a fresh ledger in\n"
    "DIR (removed first when it holds a ledger): customers buy credits or\n"
    "subscribe, run calls (hold, then capture or release) and direct usage,\n"
    "top up, ask for refunds that support approves or denies, get\n"
    "compensations, are now and then suspended and reinstated, and an expiry\n"
    "sweep runs late in the day; a new policy version starts at noon.\n"
    "Commands are submitted from T threads, each owning its own customers.\n"
    "Then replays the ledger and prints a report: commands and events,\n"
    "outcomes by code, credits used by category, credits expired,\n"
    "throughput and the replay's verdict. The commands and their outcomes\n"
    "depend only on the seed.\n"
    "\n"
    "Options:\n"
    "  --db DIR         the ledger's folder (default: ./demo-db)\n"
    "  --customers N    number of customers, 1..100000 (default: 2000)\n"
    "  --threads T      submitting threads, 1..64 (default: 4)\n"
    "  --seed S         seed of the simulation, >= 0 (default: 1)\n"
    "  --help           print this help\n"
    "\n"
    "Exit status: 0 when the day ran and the replay passed, 1 otherwise,\n"
    "2 on bad usage.\n"
    "\n"
    "Example:\n"
    "  ledgerctl demo --db build/demo-db --customers 500 --threads 2\n";

constexpr int64_t kMinuteUs = 60LL * 1000 * 1000;
constexpr int64_t kHourUs = 60 * kMinuteUs;
constexpr int64_t kDayUs = 24 * kHourUs;
constexpr char kDayStart[] = "2026-03-08T00:00:00Z";
constexpr int64_t kHoldLifetimeUs = 15 * kMinuteUs;
// Most commands one SubmitBatch call carries (Options::max_batch_commands
// is far larger; this bounds the latency of one round's call).
constexpr size_t kMaxBatch = 4096;
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

// What the demo counts. One per thread, merged at the end.
struct Tally {
  uint64_t submitted = 0;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  std::map<v1::RejectionCode, uint64_t> rejected;
  std::array<int64_t, v1::Category_ARRAYSIZE> used_by_category{};
  int64_t credits_expired = 0;
  uint64_t batches = 0;

  void Merge(const Tally& other) {
    submitted += other.submitted;
    accepted += other.accepted;
    duplicates += other.duplicates;
    for (const auto& [code, n] : other.rejected) rejected[code] += n;
    for (size_t i = 0; i < used_by_category.size(); ++i) {
      used_by_category[i] += other.used_by_category[i];
    }
    credits_expired += other.credits_expired;
    batches += other.batches;
  }

  void Count(const SubmitResult& result) {
    switch (result.outcome) {
      case Outcome::kAccepted: ++accepted; break;
      case Outcome::kDuplicate: ++duplicates; break;
      case Outcome::kRejected: ++rejected[result.code]; break;
    }
  }
};

// A call in progress: a hold the customer placed.
struct PendingCall {
  std::string hold_id;
  int64_t credits = 0;
  int64_t expires_at_us = 0;
  bool capture_failed = false;  // captured too late: release it next
};

// One simulated customer: its own random stream and what it knows.
struct SimCustomer {
  std::string id;
  std::mt19937_64 rng;
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

  int64_t estimate = 0;  // credits it believes it has
  bool need_topup = false;
  std::string campaign_id;
  std::vector<std::string> purchase_ids;
  std::vector<std::pair<std::string, int64_t>> usages;  // id, credits
  std::vector<std::string> pending_refunds;
  std::optional<PendingCall> call;
  std::optional<v1::Command> retry;  // a client retry of an accepted command
  int64_t before_sweep = 0;  // remaining + held before its expire
};

uint64_t Below(SimCustomer& c, uint64_t n) { return c.rng() % n; }
int64_t Between(SimCustomer& c, int64_t lo, int64_t hi) {  // inclusive
  return lo + static_cast<int64_t>(Below(c, static_cast<uint64_t>(hi - lo + 1)));
}
bool Chance(SimCustomer& c, int per_mille) {
  return Below(c, 1000) < static_cast<uint64_t>(per_mille);
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

int64_t DayStartUs() { return ParseTimeUs(kDayStart).value(); }

SimCustomer MakeCustomer(uint64_t seed, int index) {
  SimCustomer c;
  c.id = absl::StrFormat("cust-%06d", index);
  c.rng.seed(SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(index))));
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
  return c;
}

v1::Command NewCommand(SimCustomer& c) {
  v1::Command cmd;
  cmd.set_key(absl::StrCat("demo:", c.id, ":", ++c.counter));
  cmd.set_customer(c.id);
  cmd.set_at(FormatTimeUs(c.clock_us));
  return cmd;
}

std::string NewId(SimCustomer& c, std::string_view prefix) {
  return absl::StrCat(std::string(prefix), "-", ++c.counter);
}

void Advance(SimCustomer& c, int64_t us) { c.clock_us += us; }

v1::Command TopUp(SimCustomer& c, int64_t min_pack, int64_t max_pack) {
  v1::Command cmd = NewCommand(c);
  const Pack& pack = kPacks[Between(c, min_pack, max_pack)];
  v1::Purchase* p = cmd.mutable_purchase();
  p->set_purchase_id(NewId(c, "p"));
  p->set_credits(pack.credits);
  p->set_amount_minor(pack.price_minor);
  p->set_currency(c.currency);
  const uint64_t expiry = Below(c, 100);
  if (expiry < 25) {  // a "flash" pack: cheap credits that expire today
    p->set_expires_at(FormatTimeUs(c.clock_us + Between(c, 2, 8) * kHourUs));
  } else if (expiry < 55) {
    p->set_expires_at(FormatTimeUs(c.clock_us + 365 * kDayUs));
  }
  return cmd;
}

v1::Command OpenAccount(SimCustomer& c) {
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

v1::Command Renew(SimCustomer& c) {
  c.clock_us = std::max(c.clock_us, c.period_end_us) + Between(c, 0, 5) * kMinuteUs;
  v1::Command cmd = NewCommand(c);
  v1::Renew* r = cmd.mutable_renew();
  r->set_period_id(NewId(c, "period"));
  r->set_credits(5000);
  r->set_amount_minor(4900);
  r->set_period_end(FormatTimeUs(c.period_end_us + 30 * kDayUs));
  return cmd;
}

v1::Command PlaceHold(SimCustomer& c) {
  if (c.campaign_id.empty() || Chance(c, 100)) c.campaign_id = NewId(c, "camp");
  v1::Command cmd = NewCommand(c);
  v1::Hold* h = cmd.mutable_hold();
  h->set_hold_id(NewId(c, "h"));
  h->set_credits(Between(c, 20, 400));
  h->set_expires_at(FormatTimeUs(c.clock_us + kHoldLifetimeUs));
  return cmd;
}

v1::Category CallCategory(SimCustomer& c) {
  const uint64_t r = Below(c, 100);
  return r < 50 ? v1::AUTOMATED_CALL
                : r < 80 ? v1::TELEPHONY_USAGE : v1::CAMPAIGN_EXECUTION;
}

v1::Command FinishCall(SimCustomer& c) {
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
  cap->set_category(v1::Category_Name(CallCategory(c)));
  cap->set_credits(std::max<int64_t>(1, call.credits * Between(c, 30, 100) / 100));
  cap->set_provider(v1::Provider_Name(kProviders[Below(c, 3)]));
  cap->set_campaign_id(c.campaign_id);
  cap->set_call_id(NewId(c, "call"));
  return cmd;
}

v1::Command Use(SimCustomer& c) {
  v1::Command cmd = NewCommand(c);
  v1::Use* u = cmd.mutable_use();
  u->set_usage_id(NewId(c, "u"));
  const uint64_t r = Below(c, 100);
  if (r < 40) {
    u->set_category(v1::Category_Name(v1::AI_PROCESSING));
    u->set_credits(Between(c, 5, 300));
  } else if (r < 80) {
    u->set_category(v1::Category_Name(v1::VOICE_GENERATION));
    u->set_credits(Between(c, 5, 300));
    if (!c.campaign_id.empty()) u->set_campaign_id(c.campaign_id);
  } else if (r < 90) {
    u->set_category(v1::Category_Name(v1::PHONE_NUMBER_RENTAL));
    u->set_credits(100);
  } else {
    u->set_category(v1::Category_Name(v1::REGULATORY_FEE));
    u->set_credits(Between(c, 5, 20));
  }
  return cmd;
}

v1::Command RequestRefund(SimCustomer& c) {
  v1::Command cmd = NewCommand(c);
  v1::RequestRefund* r = cmd.mutable_request_refund();
  r->set_refund_id(NewId(c, "r"));
  r->set_purchase_id(c.purchase_ids[Below(c, c.purchase_ids.size())]);
  return cmd;
}

v1::Command DecideRefund(SimCustomer& c) {
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

v1::Command Compensate(SimCustomer& c) {
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

v1::Command Suspend(SimCustomer& c) {
  v1::Command cmd = NewCommand(c);
  cmd.mutable_suspend()->set_reason(
      v1::StatusReason_Name(kSuspendReasons[Below(c, 5)]));
  return cmd;
}

v1::Command WhileSuspended(SimCustomer& c) {
  if (c.bounced_attempts > 0) {  // its dialer keeps trying
    --c.bounced_attempts;
    Advance(c, Between(c, 1, 10) * kMinuteUs);
    return Use(c);
  }
  c.clock_us = std::max(c.clock_us, c.reinstate_at_us);
  v1::Command cmd = NewCommand(c);
  cmd.mutable_reinstate();
  return cmd;
}

v1::Command Sweep(SimCustomer& c) {
  c.clock_us = std::max(c.clock_us, c.sweep_at_us);
  v1::Command cmd = NewCommand(c);
  cmd.mutable_expire();
  return cmd;
}

// An ordinary action of an active customer.
v1::Command Action(SimCustomer& c) {
  Advance(c, Between(c, c.mean_gap_us / 2, c.mean_gap_us * 3 / 2));
  if (c.steps_left == c.suspend_at_step) return Suspend(c);
  if ((c.need_topup || c.estimate < 200) && Chance(c, 850)) {
    c.need_topup = false;
    return TopUp(c, 0, 5);
  }
  const uint64_t r = Below(c, 1000);
  if (r < 450) return PlaceHold(c);
  if (r < 800) return Use(c);
  if (r < 860) return TopUp(c, 0, 5);
  if (r < 885 && !c.purchase_ids.empty()) return RequestRefund(c);
  if (r < 910 && !c.usages.empty()) return Compensate(c);
  if (r < 915 && c.subscribed && !c.trial && !c.cancelled) {
    v1::Command cmd = NewCommand(c);
    cmd.mutable_cancel_subscription();
    return cmd;
  }
  return Use(c);
}

// The customer's next command, or nothing once its day is over.
std::optional<v1::Command> NextCommand(SimCustomer& c) {
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

void OnOpened(SimCustomer& c, const v1::Command& cmd) {
  c.opened = true;
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

void OnCallResult(SimCustomer& c, const v1::Command& cmd, bool accepted,
                  v1::RejectionCode code, Tally& tally) {
  if (cmd.has_hold()) {
    if (accepted) {
      c.call = PendingCall{cmd.hold().hold_id(), cmd.hold().credits(),
                           ParseTimeUs(cmd.hold().expires_at()).value()};
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
      v1::Category category = v1::CATEGORY_UNSPECIFIED;
      v1::Category_Parse(cmd.capture().category(), &category);
      tally.used_by_category[category] += cmd.capture().credits();
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
void OnResult(SimCustomer& c, const v1::Command& cmd,
              const SubmitResult& result, Tally& tally) {
  tally.Count(result);
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
      OnCallResult(c, cmd, accepted, result.code, tally);
      break;
    case v1::Command::kUse:
      if (accepted) {
        v1::Category category = v1::CATEGORY_UNSPECIFIED;
        v1::Category_Parse(cmd.use().category(), &category);
        tally.used_by_category[category] += cmd.use().credits();
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

// remaining + held: what an expire sweep can only lower by what expires.
absl::StatusOr<int64_t> CreditsOnBook(const Ledger& ledger,
                                      const std::string& customer,
                                      int64_t at_us) {
  absl::StatusOr<Balance> b = ledger.GetBalance(customer, at_us);
  if (!b.ok()) return b.status();
  int64_t total = b->held;
  for (const LotBalance& lot : b->lots) total += lot.remaining;
  return total;
}

// Submits one round's commands; feeds the results back to their customers.
absl::Status SubmitRound(Ledger& ledger, std::vector<v1::Command>& commands,
                         std::vector<SimCustomer*>& owners, Tally& tally) {
  for (size_t i = 0; i < commands.size(); ++i) {
    if (commands[i].has_expire() && !owners[i]->swept) {
      absl::StatusOr<int64_t> before = CreditsOnBook(ledger, owners[i]->id,
                                                     owners[i]->clock_us);
      if (!before.ok()) return before.status();
      owners[i]->before_sweep = *before;
    }
  }
  for (size_t start = 0; start < commands.size(); start += kMaxBatch) {
    const size_t n = std::min(kMaxBatch, commands.size() - start);
    absl::StatusOr<std::vector<SubmitResult>> results = ledger.SubmitBatch(
        std::span<const v1::Command>(commands.data() + start, n));
    if (!results.ok()) return results.status();
    ++tally.batches;
    tally.submitted += n;
    for (size_t i = 0; i < n; ++i) {
      SimCustomer& c = *owners[start + i];
      const v1::Command& cmd = commands[start + i];
      const SubmitResult& result = (*results)[i];
      if (cmd.has_expire() && result.outcome == Outcome::kAccepted) {
        absl::StatusOr<int64_t> after = CreditsOnBook(ledger, c.id, c.clock_us);
        if (!after.ok()) return after.status();
        tally.credits_expired += c.before_sweep - *after;
      }
      OnResult(c, cmd, result, tally);
    }
  }
  return absl::OkStatus();
}

// One worker: runs its customers' days in rounds until all are done.
absl::Status RunWorker(Ledger& ledger, std::vector<SimCustomer>& customers,
                       const std::atomic<bool>& stop, Tally& tally) {
  std::vector<v1::Command> commands;
  std::vector<SimCustomer*> owners;
  while (!stop.load(std::memory_order_relaxed)) {
    commands.clear();
    owners.clear();
    for (SimCustomer& c : customers) {
      if (std::optional<v1::Command> cmd = NextCommand(c)) {
        commands.push_back(std::move(*cmd));
        owners.push_back(&c);
      }
    }
    if (commands.empty()) return absl::OkStatus();
    absl::Status status = SubmitRound(ledger, commands, owners, tally);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

v1::Command NoonPolicy() {
  v1::Command cmd;
  cmd.set_key("demo:policy:2026-03-08");
  cmd.set_at("2026-03-08T12:00:00Z");
  v1::SetPolicy* p = cmd.mutable_set_policy();
  p->set_version("2026-03-08");
  p->set_refund_window_hours(12);
  p->set_inquiry_window_hours(4);
  return cmd;
}

// Whether `dir` holds files RocksDB writes, so it is safe to remove.
bool LooksLikeLedger(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it.depth() > 2) {
      it.disable_recursion_pending();
      continue;
    }
    const std::string name = it->path().filename().string();
    if (name == "CURRENT" || name == "IDENTITY" ||
        name.starts_with("MANIFEST-")) {
      return true;
    }
  }
  return false;
}

// Removes an earlier demo's ledger; refuses to remove anything else.
absl::Status RecreateDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    const bool empty = fs::is_directory(dir, ec) && fs::is_empty(dir, ec);
    if (!empty && !LooksLikeLedger(dir)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to remove ", dir,
          ": it exists and does not look like a ledger; pass another --db"));
    }
    fs::remove_all(dir, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("cannot remove ", dir, ": ", ec.message()));
    }
  }
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", ec.message()));
  }
  return absl::OkStatus();
}

struct DemoConfig {
  std::string dir;
  int customers = 2000;
  int threads = 4;
  uint64_t seed = 1;
};

struct DayResult {
  Tally tally;
  uint64_t events = 0;
  double seconds = 0;
};

absl::StatusOr<DayResult> RunDay(const DemoConfig& config) {
  absl::StatusOr<std::unique_ptr<Ledger>> opened =
      Ledger::Open(Options(), config.dir);
  if (!opened.ok()) return opened.status();
  Ledger& ledger = **opened;
  DayResult day;
  const auto start = std::chrono::steady_clock::now();

  absl::StatusOr<SubmitResult> policy = ledger.Submit(NoonPolicy());
  if (!policy.ok()) return policy.status();
  day.tally.Count(*policy);
  ++day.tally.submitted;

  std::vector<std::vector<SimCustomer>> owned(config.threads);
  for (int i = 0; i < config.customers; ++i) {
    owned[i % config.threads].push_back(MakeCustomer(config.seed, i + 1));
  }
  std::vector<Tally> tallies(config.threads);
  std::vector<absl::Status> statuses(config.threads);
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < config.threads; ++t) {
    workers.emplace_back([&, t] {
      statuses[t] = RunWorker(ledger, owned[t], stop, tallies[t]);
      if (!statuses[t].ok()) stop.store(true);
    });
  }
  for (std::thread& w : workers) w.join();
  day.seconds = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start).count();
  for (int t = 0; t < config.threads; ++t) {
    if (!statuses[t].ok()) return statuses[t];
    day.tally.Merge(tallies[t]);
  }
  day.events = ledger.LastSeq();
  return day;
}

void PrintReport(const DemoConfig& config, const DayResult& day) {
  const Tally& t = day.tally;
  std::printf("ledgerctl demo: one simulated day, %d customers, %d threads, "
              "seed %llu\n", config.customers, config.threads,
              static_cast<unsigned long long>(config.seed));
  std::printf("ledger:                  %s\n", config.dir.c_str());
  std::printf("commands submitted:      %llu\n",
              static_cast<unsigned long long>(t.submitted));
  std::printf("events in the log:       %llu\n",
              static_cast<unsigned long long>(day.events));
  std::printf("outcomes:\n");
  std::printf("  %-26s %10llu\n", "ACCEPTED",
              static_cast<unsigned long long>(t.accepted));
  std::printf("  %-26s %10llu\n", "DUPLICATE (retries)",
              static_cast<unsigned long long>(t.duplicates));
  for (const auto& [code, n] : t.rejected) {
    std::printf("  %-26s %10llu\n", v1::RejectionCode_Name(code).c_str(),
                static_cast<unsigned long long>(n));
  }
  std::printf("credits used by category:\n");
  int64_t used = 0;
  for (int i = 1; i < v1::Category_ARRAYSIZE; ++i) {
    const int64_t credits = t.used_by_category[i];
    used += credits;
    std::printf("  %-26s %10lld\n",
                v1::Category_Name(static_cast<v1::Category>(i)).c_str(),
                static_cast<long long>(credits));
  }
  std::printf("  %-26s %10lld\n", "total", static_cast<long long>(used));
  std::printf("credits expired:         %lld\n",
              static_cast<long long>(t.credits_expired));
  std::printf("throughput:              %.0f commands/s (%llu commands in "
              "%.2f s, %llu batches)\n",
              day.seconds > 0 ? static_cast<double>(t.submitted) / day.seconds
                              : 0.0,
              static_cast<unsigned long long>(t.submitted), day.seconds,
              static_cast<unsigned long long>(t.batches));
  std::fflush(stdout);
}

// The auditor's view of the day's log (docs/audit.md): the digest to
// publish, and the hash chain checked against it.
int VerifyAndReport(const std::string& dir) {
  absl::StatusOr<LogDigest> digest = ReadDigest(dir);
  VerifyOptions options;
  if (digest.ok()) options.digest = *digest;
  absl::StatusOr<VerifyReport> report =
      digest.ok() ? VerifyLog(dir, options)
                  : absl::StatusOr<VerifyReport>(digest.status());
  if (!report.ok()) {
    std::printf("verify:                  FAILED\n");
    std::fflush(stdout);
    std::fprintf(stderr, "ledgerctl demo: verify cannot read %s: %s\n",
                 dir.c_str(), report.status().ToString().c_str());
    return kExitFailure;
  }
  std::printf("verify:                  %s (digest %s)\n",
              report->ok ? "OK" : "FAILED", FormatDigest(*digest).c_str());
  std::fflush(stdout);
  if (!report->ok) {
    std::fprintf(stderr, "ledgerctl demo: verify: first bad event seq %llu: %s\n",
                 static_cast<unsigned long long>(report->first_bad_seq),
                 report->problem.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

int ReplayAndReport(const std::string& dir) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir);
  const double seconds = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start).count();
  if (!report.ok()) {
    std::printf("replay:                  FAILED\n");
    std::fflush(stdout);
    std::fprintf(stderr, "ledgerctl demo: replay cannot read %s: %s\n",
                 dir.c_str(), report.status().ToString().c_str());
    return kExitFailure;
  }
  std::printf("replay:                  %s (%llu events checked, %llu "
              "customers, %.2f s)\n", report->ok ? "OK" : "FAILED",
              static_cast<unsigned long long>(report->events),
              static_cast<unsigned long long>(report->customers), seconds);
  std::fflush(stdout);
  if (!report->ok) {
    std::fprintf(stderr, "ledgerctl demo: replay: first bad event seq %llu: %s\n",
                 static_cast<unsigned long long>(report->first_bad_seq),
                 report->problem.c_str());
    return kExitFailure;
  }
  return VerifyAndReport(dir);
}

}  // namespace

const CommandSpec& DemoSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "demo",
      .summary = "simulate a platform day on a fresh ledger, replay it, report",
      .usage = kUsage,
      .options = {"db", "customers", "threads", "seed"},
      .required = {},
      .max_positionals = 0,
  };
  return *spec;
}

int RunDemo(std::span<char* const> args) {
  const CommandSpec& spec = DemoSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  DemoConfig config;
  config.dir = parsed.Get("db", "./demo-db");
  int64_t customers, threads, seed;
  if (!ParseIntOption(spec, parsed, "customers", 2000, 1, 100000, &customers,
                      &exit_code) ||
      !ParseIntOption(spec, parsed, "threads", 4, 1, 64, &threads,
                      &exit_code) ||
      !ParseIntOption(spec, parsed, "seed", 1, 0, INT64_MAX, &seed,
                      &exit_code)) {
    return exit_code;
  }
  config.customers = static_cast<int>(customers);
  config.threads = static_cast<int>(std::min(threads, customers));
  config.seed = static_cast<uint64_t>(seed);

  if (absl::Status s = RecreateDir(config.dir); !s.ok()) {
    std::fprintf(stderr, "ledgerctl demo: %s\n", s.ToString().c_str());
    return kExitFailure;
  }
  absl::StatusOr<DayResult> day = RunDay(config);  // closes the ledger
  if (!day.ok()) {
    std::fprintf(stderr, "ledgerctl demo: the ledger failed: %s\n",
                 day.status().ToString().c_str());
    return kExitFailure;
  }
  PrintReport(config, *day);
  return ReplayAndReport(config.dir);
}

}  // namespace ledger::tools
