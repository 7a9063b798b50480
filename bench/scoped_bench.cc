// docs/contract.md section 11 on the write path: the same SubmitBatch(1000)
// of `use` commands (AI_PROCESSING, random customers, synced) against two
// ledgers of LEDGER_BENCH_HOT_CUSTOMERS / 10 customers each:
//   scoped/submit_batch_uses/batch:1000: in one ledger every customer holds
//     one unscoped purchase; in the other eight scoped lots (four that
//     apply to AI_PROCESSING among other categories, four for telephony
//     only, every priority different), so each `use` filters and sorts
//     eight lots where the other sorts one. Each iteration submits a batch
//     to each ledger, timed apart; the counters give both throughputs and
//     their ratio from the same run, so the machine's load weighs on both
//     alike (`scoped_over_unscoped`, which must stay >= 0.8).
#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_fixtures.h"
#include "benchmark/benchmark.h"
#include "tools/workload/command_builders.h"

namespace ledger::bench {
namespace {

constexpr int kScopedLots = 8;

uint64_t Customers() { return std::max<uint64_t>(1, Config().hot_customers / 10); }

// Lot i of a customer: even lots apply to AI_PROCESSING (and one other
// category), odd ones to telephony only; priorities 10, 20, ... so the
// order depends on priority first.
v1::Command ScopedGrant(uint64_t customer, int i) {
  v1::Command cmd = workload::Purchase(
      {.key = absl::StrCat("p-", customer, "-", i),
       .customer = CustomerId(customer),
       .at = "2026-03-08T09:00:00Z",
       .purchase_id = absl::StrCat("p", i),
       .credits = 100'000'000'000,
       .amount_minor = 199'990,
       .currency = "USD",
       .expires_at = absl::StrCat("2027-0", 1 + i, "-08T09:00:00Z")});
  v1::Purchase& p = *cmd.mutable_purchase();
  if (i % 2 == 0) {
    p.add_applies_to("AI_PROCESSING");
    p.add_applies_to(i % 4 == 0 ? "VOICE_GENERATION" : "AUTOMATED_CALL");
  } else {
    p.add_applies_to("TELEPHONY_USAGE");
  }
  p.set_priority(10 * (kScopedLots - i));
  return cmd;
}

class TwoLedgers {
 public:
  static TwoLedgers& Get() {
    std::lock_guard<std::mutex> lock(mu_);
    if (instance_ == nullptr) instance_.reset(new TwoLedgers());
    return *instance_;
  }
  static void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    instance_.reset();
  }
  Ledger& unscoped() { return *unscoped_; }
  Ledger& scoped() { return *scoped_; }

 private:
  TwoLedgers() {
    unscoped_ = OpenLedgerOrDie(NewDir("scoped-baseline"), /*sync=*/true);
    scoped_ = OpenLedgerOrDie(NewDir("scoped-eight-lots"), /*sync=*/true);
    std::vector<v1::Command> one, eight;
    for (uint64_t c = 0; c < Customers(); ++c) {
      one.push_back(PurchaseCommand(c));
      for (int i = 0; i < kScopedLots; ++i) eight.push_back(ScopedGrant(c, i));
    }
    SubmitAllOrDie(*unscoped_, one, 1000);
    SubmitAllOrDie(*scoped_, eight, 1000);
  }
  static std::mutex mu_;
  static std::unique_ptr<TwoLedgers> instance_;
  std::unique_ptr<Ledger> unscoped_;
  std::unique_ptr<Ledger> scoped_;
};

std::mutex TwoLedgers::mu_;
std::unique_ptr<TwoLedgers> TwoLedgers::instance_;

// Seconds one SubmitBatch of `batch` takes, or a negative number when a
// use was refused (a benchmark over rejections measures nothing useful).
double TimeBatch(Ledger& ledger, const std::vector<v1::Command>& batch) {
  const auto start = std::chrono::steady_clock::now();
  const size_t accepted = CountAccepted(ledger.SubmitBatch(batch));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return accepted == batch.size() ? seconds : -1;
}

void BM_ScopedUses(benchmark::State& state) {
  const size_t batch_size = static_cast<size_t>(state.range(0));
  TwoLedgers& two = TwoLedgers::Get();
  static uint64_t next_use = 0;  // keys stay unique across calls
  std::mt19937_64 rng(7);
  double unscoped_total = 0, scoped_total = 0;
  for (auto _ : state) {
    std::vector<v1::Command> batch;
    for (size_t i = 0; i < batch_size; ++i) {
      batch.push_back(UseCommand(rng() % Customers(), next_use++));
    }
    // The same commands (keys, customers, credits) to each ledger, in
    // alternating order so that neither always goes first.
    double unscoped = 0, scoped = 0;
    if (state.iterations() % 2 == 0) {
      unscoped = TimeBatch(two.unscoped(), batch);
      scoped = TimeBatch(two.scoped(), batch);
    } else {
      scoped = TimeBatch(two.scoped(), batch);
      unscoped = TimeBatch(two.unscoped(), batch);
    }
    if (unscoped < 0 || scoped < 0) {
      state.SkipWithError("a use was not accepted");
      break;
    }
    unscoped_total += unscoped;
    scoped_total += scoped;
    state.SetIterationTime(unscoped + scoped);
  }
  const double uses = static_cast<double>(state.iterations() * batch_size);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(2 * batch_size));
  state.counters["unscoped_uses_per_s"] = unscoped_total > 0 ? uses / unscoped_total : 0;
  state.counters["scoped_uses_per_s"] = scoped_total > 0 ? uses / scoped_total : 0;
  // Throughput with eight scoped lots over throughput with one lot.
  state.counters["scoped_over_unscoped"] =
      scoped_total > 0 ? unscoped_total / scoped_total : 0;
  state.counters["batch"] = static_cast<double>(batch_size);
}

}  // namespace

void RegisterScopedBenchmarks() {
  benchmark::RegisterBenchmark("scoped/submit_batch_uses", BM_ScopedUses)
      ->ArgName("batch")
      ->Arg(1000)
      ->UseManualTime()
      ->MinTime(1.0);
}

void CloseScopedFixtures() { TwoLedgers::Close(); }

}  // namespace ledger::bench
