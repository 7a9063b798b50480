#include "tools/ledgerctl/demo_day.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "ledger/balance.h"
#include "ledger/options.h"
#include "ledger/time_util.h"
#include "tools/ledgerctl/demo_folder.h"
#include "tools/edge/future_guard.h"
#include "tools/workload/customer_simulation.h"
#include "tools/workload/platform_day.h"

namespace ledger::tools {
namespace {

using workload::SimulatedCustomer;

// Most commands one SubmitBatch call carries (Options::max_batch_commands
// is far larger; this bounds the latency of one round's call).
constexpr size_t kMaxBatch = 4096;

void CountUsed(Tally& tally, const std::string& category_name,
               int64_t credits) {
  v1::Category category = v1::CATEGORY_UNSPECIFIED;
  v1::Category_Parse(category_name, &category);
  tally.used_by_category[category] += credits;
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

// The demo keeps the future guard of apply and ledgerd on, at their
// default (docs/contract.md section 15): a command dated more than 24 hours
// ahead of this machine's clock is answered INVALID_COMMAND and never sent.
// The simulated day lies in the past, so it refuses nothing unless a
// workload is dated ahead by mistake. Refused commands leave `commands`.
void GuardRound(std::vector<v1::Command>& commands,
                std::vector<SimulatedCustomer*>& owners, Tally& tally) {
  static const edge::FutureGuard* const guard = new edge::FutureGuard(
      edge::kDefaultMaxFuture, edge::MaxFutureSetting(std::nullopt));
  size_t kept = 0;
  for (size_t i = 0; i < commands.size(); ++i) {
    const absl::StatusOr<int64_t> at = ParseTimeUs(commands[i].at());
    const absl::Status let_in = at.ok() ? guard->CheckAt(*at) : absl::OkStatus();
    if (!let_in.ok()) {
      SubmitResult refused;
      refused.key = commands[i].key();
      refused.code = v1::INVALID_COMMAND;
      refused.message = std::string(let_in.message());
      ++tally.submitted;
      tally.Count(commands[i], refused);
      owners[i]->OnResult(commands[i], refused);
      continue;
    }
    if (kept != i) {
      commands[kept] = std::move(commands[i]);
      owners[kept] = owners[i];
    }
    ++kept;
  }
  commands.resize(kept);
  owners.resize(kept);
}

// docs/contract.md section 16: the simulated platform's service that sends
// a command, the actor its event records. A real platform's services each
// hold a token of their own (docs/service.md); the demo names them alike.
std::string SimulatedServiceOf(const v1::Command& command) {
  switch (command.kind_case()) {
    case v1::Command::kPurchase:
    case v1::Command::kSubscribe:
    case v1::Command::kRenew:
    case v1::Command::kCancelSubscription:
    case v1::Command::kChargeback:
      return "billing";
    case v1::Command::kUse:
    case v1::Command::kHold:
    case v1::Command::kCapture:
    case v1::Command::kRelease:
      return "call-worker";
    case v1::Command::kRequestRefund:
    case v1::Command::kCompensate:
      return "support";
    case v1::Command::kApproveRefund:
    case v1::Command::kDenyRefund:
      return "refund-review";
    case v1::Command::kSuspend:
    case v1::Command::kTerminate:
    case v1::Command::kReinstate:
    case v1::Command::kForfeit:
      return "trust-and-safety";
    case v1::Command::kSetPolicy:
      return "admin";
    default:  // expire and the rest: the platform's scheduled jobs
      return "scheduler";
  }
}

// Submits one round's commands; feeds the results back to their customers.
absl::Status SubmitRound(Ledger& ledger, std::vector<v1::Command>& commands,
                         std::vector<SimulatedCustomer*>& owners,
                         Tally& tally) {
  GuardRound(commands, owners, tally);
  // Credits on the book before each first sweep, to count what it expired.
  std::vector<int64_t> before_sweep(commands.size(), 0);
  for (size_t i = 0; i < commands.size(); ++i) {
    if (commands[i].has_expire() && !owners[i]->swept()) {
      absl::StatusOr<int64_t> before =
          CreditsOnBook(ledger, owners[i]->id(), owners[i]->clock_us());
      if (!before.ok()) return before.status();
      before_sweep[i] = *before;
    }
  }
  for (size_t start = 0; start < commands.size(); start += kMaxBatch) {
    const size_t n = std::min(kMaxBatch, commands.size() - start);
    std::vector<std::string> actors;
    actors.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      actors.push_back(SimulatedServiceOf(commands[start + i]));
    }
    absl::StatusOr<std::vector<SubmitResult>> results = ledger.SubmitBatchAs(
        std::span<const v1::Command>(commands.data() + start, n), actors);
    if (!results.ok()) return results.status();
    ++tally.batches;
    tally.submitted += n;
    for (size_t i = 0; i < n; ++i) {
      SimulatedCustomer& c = *owners[start + i];
      const v1::Command& cmd = commands[start + i];
      const SubmitResult& result = (*results)[i];
      if (cmd.has_expire() && result.outcome == Outcome::kAccepted) {
        absl::StatusOr<int64_t> after =
            CreditsOnBook(ledger, c.id(), c.clock_us());
        if (!after.ok()) return after.status();
        tally.credits_expired += before_sweep[start + i] - *after;
      }
      tally.Count(cmd, result);
      c.OnResult(cmd, result);
    }
  }
  return absl::OkStatus();
}

// One worker: runs its customers' days in rounds until all are done.
absl::Status RunWorker(Ledger& ledger,
                       std::vector<SimulatedCustomer>& customers,
                       const std::atomic<bool>& stop, Tally& tally) {
  std::vector<v1::Command> commands;
  std::vector<SimulatedCustomer*> owners;
  while (!stop.load(std::memory_order_relaxed)) {
    commands.clear();
    owners.clear();
    for (SimulatedCustomer& c : customers) {
      if (std::optional<v1::Command> cmd = c.NextCommand()) {
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

// Runs the customers' days from config.threads threads into `day`.
absl::Status RunCustomers(Ledger& ledger, const DemoConfig& config,
                          DayResult& day) {
  std::vector<std::vector<SimulatedCustomer>> owned(config.threads);
  for (int i = 0; i < config.customers; ++i) {
    owned[i % config.threads].emplace_back(config.seed, i + 1);
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
  for (int t = 0; t < config.threads; ++t) {
    if (!statuses[t].ok()) return statuses[t];
    day.tally.Merge(tallies[t]);
  }
  return absl::OkStatus();
}

}  // namespace

void Tally::Merge(const Tally& other) {
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

void Tally::Count(const v1::Command& command, const SubmitResult& result) {
  switch (result.outcome) {
    case Outcome::kAccepted: ++accepted; break;
    case Outcome::kDuplicate: ++duplicates; return;
    case Outcome::kRejected: ++rejected[result.code]; return;
  }
  if (command.has_use()) {
    CountUsed(*this, command.use().category(), command.use().credits());
  } else if (command.has_capture()) {
    CountUsed(*this, command.capture().category(), command.capture().credits());
  }
}

absl::StatusOr<DayResult> RunDay(const DemoConfig& config) {
  Options options;
  options.actor = "admin";  // the demo's one Submit: its noon policy
  absl::StatusOr<std::unique_ptr<Ledger>> opened =
      Ledger::Open(options, config.dir);
  if (!opened.ok()) return opened.status();
  Ledger& ledger = **opened;
  // Marked as the demo's own at once, so that a later demo may replace it
  // even when this one stops half-way.
  if (absl::Status s = MarkAsDemoLedger(config.dir); !s.ok()) return s;
  DayResult day;
  const auto start = std::chrono::steady_clock::now();

  // Before the threads start: the policy is dated noon, and no customer's
  // command may be judged before it is known.
  const v1::Command policy_command = workload::NoonPolicy();
  absl::StatusOr<SubmitResult> policy = ledger.Submit(policy_command);
  if (!policy.ok()) return policy.status();
  day.tally.Count(policy_command, *policy);
  ++day.tally.submitted;

  if (absl::Status s = RunCustomers(ledger, config, day); !s.ok()) return s;
  day.seconds = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start).count();
  day.events = ledger.LastSeq();
  return day;
}

}  // namespace ledger::tools
