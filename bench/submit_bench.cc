// The ledger's write path, synced (Options::sync, the default), on a ledger
// whose customers (LEDGER_BENCH_HOT_CUSTOMERS, default 10 000) each hold one
// large purchase, so every `use` is accepted:
//   ledger/submit_batch/N: SubmitBatch of N `use` commands for random
//     customers, one call per iteration;
//   ledger/submit_batch_cache_misses/N: the same on a ledger whose state
//     cache holds a tenth of the customers (Options::state_cache_customers
//     = hot_customers / 10), so nine commands in ten read their customer,
//     their usage id and their key from RocksDB: the working set larger
//     than the cache, against ledger/submit_batch's that fits;
//   ledger/submit_batch_alerts/N: the same on a ledger whose every customer
//     also has three balance alerts and automatic top-up configured
//     (docs/contract.md section 12), so every command is followed by the
//     crossing rule and the request rule; compare with
//     ledger/submit_batch/N of the same run;
//   ledger/submit_concurrent/threads:T: T threads each calling Submit with
//     one `use` at a time on the shared ledger; the group commit merges what
//     waits into one WriteBatch and one sync. commands_per_group and
//     group_write_us are the mean group meanwhile (Options::on_group_committed).
// items_per_second counts commands.
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

#include "bench/bench_fixtures.h"
#include "benchmark/benchmark.h"

namespace ledger::bench {
namespace {

class HotLedger {
 public:
  // With `small_cache`, the ledger caches a tenth of its customers; with
  // `alerts`, every customer has alerts and automatic top-up set.
  static HotLedger& Get(bool small_cache = false, bool alerts = false) {
    std::lock_guard<std::mutex> lock(mu_);
    std::unique_ptr<HotLedger>& instance =
        alerts ? alerts_ : small_cache ? small_ : instance_;
    if (instance == nullptr) instance.reset(new HotLedger(small_cache, alerts));
    return *instance;
  }
  static void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    instance_.reset();
    small_.reset();
    alerts_.reset();
  }

  Ledger& ledger() { return *ledger_; }
  // Its group commits since it was opened.
  const GroupCommitCounter& groups() const { return groups_; }
  // A `use` of a random customer with a key never used before.
  v1::Command NextUse(std::mt19937_64& rng) {
    return UseCommand(rng() % Config().hot_customers,
                      next_use_.fetch_add(1, std::memory_order_relaxed));
  }

 private:
  HotLedger(bool small_cache, bool alerts) {
    const std::string dir =
        NewDir(alerts ? "hot-alerts" : small_cache ? "hot-small-cache" : "hot");
    Options options;
    options.sync = true;
    if (small_cache) {
      options.state_cache_customers =
          std::max<uint64_t>(1, Config().hot_customers / 10);
    }
    groups_.CountIn(options);
    ledger_ = OpenLedgerOrDie(dir, options);
    std::vector<v1::Command> purchases;
    for (uint64_t c = 0; c < Config().hot_customers; ++c) {
      purchases.push_back(PurchaseCommand(c));
    }
    SubmitAllOrDie(*ledger_, purchases, 1000);
    if (alerts) SubmitAllOrDie(*ledger_, AlertCommands(), 1000);
  }

  // Three thresholds and automatic top-up per customer, all below what a
  // customer holds, as a platform would set them: evaluated after every
  // command, crossed by none of the benchmark's uses.
  static std::vector<v1::Command> AlertCommands() {
    std::vector<v1::Command> out;
    for (uint64_t c = 0; c < Config().hot_customers; ++c) {
      v1::Command alerts;
      alerts.set_key(absl::StrCat("alerts-", c));
      alerts.set_customer(CustomerId(c));
      alerts.set_at("2026-03-08T09:00:00Z");
      for (auto [code, credits] : {std::pair<const char*, int64_t>{"low", 1'000'000},
                                   {"very-low", 100'000},
                                   {"empty", 0}}) {
        v1::AlertThreshold& t = *alerts.mutable_set_alerts()->add_thresholds();
        t.set_code(code);
        t.set_credits(credits);
      }
      out.push_back(alerts);
      v1::Command top_up;
      top_up.set_key(absl::StrCat("top-up-", c));
      top_up.set_customer(CustomerId(c));
      top_up.set_at("2026-03-08T09:00:00Z");
      top_up.mutable_set_auto_top_up()->set_below(500'000);
      top_up.mutable_set_auto_top_up()->set_target(2'000'000);
      out.push_back(top_up);
    }
    return out;
  }

  static std::mutex mu_;
  static std::unique_ptr<HotLedger> instance_;
  static std::unique_ptr<HotLedger> small_;
  static std::unique_ptr<HotLedger> alerts_;
  // Before the ledger, which reports to it until it is closed.
  GroupCommitCounter groups_;
  std::unique_ptr<Ledger> ledger_;
  std::atomic<uint64_t> next_use_{0};
};

std::mutex HotLedger::mu_;
std::unique_ptr<HotLedger> HotLedger::instance_;
std::unique_ptr<HotLedger> HotLedger::small_;
std::unique_ptr<HotLedger> HotLedger::alerts_;

void BM_SubmitBatch(benchmark::State& state, bool small_cache, bool alerts) {
  const size_t batch_size = static_cast<size_t>(state.range(0));
  HotLedger& hot = HotLedger::Get(small_cache, alerts);
  std::mt19937_64 rng(1);
  std::vector<v1::Command> batch;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    for (size_t i = 0; i < batch_size; ++i) batch.push_back(hot.NextUse(rng));
    state.ResumeTiming();
    size_t accepted = CountAccepted(hot.ledger().SubmitBatch(batch));
    if (accepted != batch_size) {
      state.SkipWithError("a use was not accepted");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch_size));
  state.counters["batch"] = static_cast<double>(batch_size);
}

void BM_ConcurrentSubmit(benchmark::State& state) {
  HotLedger& hot = HotLedger::Get();
  std::mt19937_64 rng(1000 + state.thread_index());
  GroupCommitCounter::Totals before;
  if (state.thread_index() == 0) before = hot.groups().Read();
  for (auto _ : state) {
    absl::StatusOr<SubmitResult> r = hot.ledger().Submit(hot.NextUse(rng));
    if (!r.ok() || r->outcome != Outcome::kAccepted) {
      state.SkipWithError(r.ok() ? r->message.c_str()
                                 : "the store failed during Submit");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    // How many callers each group took in, and how long its write and
    // sync held the writer: with callers waiting on one another these set
    // the rate. Only thread 0 sets them; the threads' counters are summed.
    const GroupCommitCounter::PerGroup per =
        GroupCommitCounter::Between(before, hot.groups().Read());
    state.counters["commands_per_group"] = per.commands;
    state.counters["group_write_us"] = per.write_us;
  }
}

}  // namespace

void RegisterSubmitBenchmarks() {
  benchmark::RegisterBenchmark("ledger/submit_batch", BM_SubmitBatch,
                               /*small_cache=*/false, /*alerts=*/false)
      ->ArgName("batch")
      ->Arg(1)
      ->Arg(100)
      ->Arg(1000)
      ->UseRealTime()
      ->MinTime(1.0);
  benchmark::RegisterBenchmark("ledger/submit_batch_cache_misses",
                               BM_SubmitBatch, /*small_cache=*/true, /*alerts=*/false)
      ->ArgName("batch")
      ->Arg(1000)
      ->UseRealTime()
      ->MinTime(1.0);
  benchmark::RegisterBenchmark("ledger/submit_batch_alerts", BM_SubmitBatch,
                               /*small_cache=*/false, /*alerts=*/true)
      ->ArgName("batch")
      ->Arg(1000)
      ->UseRealTime()
      ->MinTime(1.0);
  benchmark::RegisterBenchmark("ledger/submit_concurrent", BM_ConcurrentSubmit)
      ->Threads(1)
      ->Threads(8)
      ->Threads(64)
      ->UseRealTime()
      ->MinTime(1.0);
}

void CloseSubmitFixtures() { HotLedger::Close(); }

}  // namespace ledger::bench
