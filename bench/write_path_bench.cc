// Queries beside the write path (docs/benchmarks.md, "The write path near
// its limit"):
//   write_path/balance_under_batches: GetBalance of random customers of a
//     LEDGER_BENCH_HOT_CUSTOMERS-customer ledger (every customer cached, as
//     on a platform whose working set fits) while another thread keeps
//     submitting synced SubmitBatch(1000) of uses of random customers of the
//     same ledger. Counters: the queries' p50, p99 and p99.9 in
//     microseconds, and the writer's commands per second during them.
//   write_path/submit_batch_concurrent/threads:T: T threads each calling
//     synced SubmitBatch(1000) of uses of random customers on one shared
//     ledger of LEDGER_BENCH_HOT_CUSTOMERS customers (every one cached), as
//     a service submits from many threads: with T >= 2, one caller's batch
//     is judged while another's syncs. items_per_second counts commands;
//     cpu_us_per_command is the whole process's CPU time (every thread,
//     RocksDB's own included) per command, which a loaded machine disturbs
//     less than the wall clock.
//
// Registered when the program starts (before bench_main's own groups), so
// no other file names it; its ledger is built on first use and closed once
// the benchmark returns.
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_fixtures.h"
#include "benchmark/benchmark.h"

namespace ledger::bench {
namespace {

constexpr size_t kWriterBatch = 1000;
constexpr int kQueries = 20'000;

void BM_BalanceUnderBatches(benchmark::State& state) {
  const uint64_t customers = Config().hot_customers;
  std::unique_ptr<Ledger> ledger =
      OpenLedgerOrDie(NewDir("balance-under-batches"), /*sync=*/true);
  {
    std::vector<v1::Command> purchases;
    for (uint64_t c = 0; c < customers; ++c) purchases.push_back(PurchaseCommand(c));
    SubmitAllOrDie(*ledger, purchases, kWriterBatch);
  }
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> written{0};
  std::thread writer([&] {
    std::mt19937_64 rng(5);
    uint64_t n = 0;
    std::vector<v1::Command> batch;
    while (!stop.load(std::memory_order_relaxed)) {
      batch.clear();
      for (size_t i = 0; i < kWriterBatch; ++i) {
        batch.push_back(UseCommand(rng() % customers, n++));
      }
      const size_t accepted = CountAccepted(ledger->SubmitBatch(batch));
      if (accepted != kWriterBatch) CheckOrDie(absl::InternalError("a use was rejected"), "writer");
      written.fetch_add(accepted, std::memory_order_relaxed);
    }
  });
  // Let the writer reach its pace before the clock starts.
  while (written.load() < 2 * kWriterBatch) std::this_thread::yield();

  std::mt19937_64 rng(17);
  std::vector<double> latencies_us;
  latencies_us.reserve(kQueries);
  const uint64_t written_before = written.load();
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    for (int i = 0; i < kQueries; ++i) {
      const std::string customer = CustomerId(rng() % customers);
      const auto t0 = std::chrono::steady_clock::now();
      absl::StatusOr<Balance> b = ledger->GetBalance(customer, kUseAtUs);
      const auto t1 = std::chrono::steady_clock::now();
      CheckOrDie(b.status(), "GetBalance");
      latencies_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const uint64_t writes = written.load() - written_before;
  stop.store(true);
  writer.join();
  CheckOrDie(ledger->Close(), "Close");

  state.SetIterationTime(seconds);
  state.SetItemsProcessed(static_cast<int64_t>(latencies_us.size()));
  state.counters["p50_us"] = Percentile(latencies_us, 0.50);
  state.counters["p99_us"] = Percentile(latencies_us, 0.99);
  state.counters["p999_us"] = Percentile(latencies_us, 0.999);
  state.counters["writer_commands_per_s"] = static_cast<double>(writes) / seconds;
}

// The ledger the threads of one submit_batch_concurrent run share: made by
// thread 0 before the benchmark's start barrier, closed by it after the
// end barrier.
struct SharedLedger {
  std::unique_ptr<Ledger> ledger;
  std::atomic<uint64_t> next_use{0};
  double cpu_start = 0;
};
SharedLedger& Shared() {
  static SharedLedger* shared = new SharedLedger();
  return *shared;
}

void BM_SubmitBatchConcurrent(benchmark::State& state) {
  SharedLedger& shared = Shared();
  const uint64_t customers = Config().hot_customers;
  if (state.thread_index() == 0) {
    shared.ledger = OpenLedgerOrDie(
        NewDir(absl::StrCat("submit-batch-concurrent-", state.threads())),
        /*sync=*/true);
    std::vector<v1::Command> purchases;
    for (uint64_t c = 0; c < customers; ++c) purchases.push_back(PurchaseCommand(c));
    SubmitAllOrDie(*shared.ledger, purchases, kWriterBatch);
    shared.next_use.store(0);
  }
  std::mt19937_64 rng(300 + state.thread_index());
  std::vector<v1::Command> batch;
  batch.reserve(kWriterBatch);
  bool first = true;
  for (auto _ : state) {
    if (first && state.thread_index() == 0) shared.cpu_start = ProcessCpuSeconds();
    first = false;
    state.PauseTiming();
    batch.clear();
    const uint64_t base = shared.next_use.fetch_add(kWriterBatch);
    for (size_t i = 0; i < kWriterBatch; ++i) {
      batch.push_back(UseCommand(rng() % customers, base + i));
    }
    state.ResumeTiming();
    if (CountAccepted(shared.ledger->SubmitBatch(batch)) != kWriterBatch) {
      state.SkipWithError("a use was not accepted");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kWriterBatch));
  if (state.thread_index() == 0) {
    // After the end barrier: every thread's batches are answered.
    const double cpu = ProcessCpuSeconds() - shared.cpu_start;
    const double commands = static_cast<double>(shared.next_use.load());
    state.counters["cpu_us_per_command"] =
        benchmark::Counter(commands > 0 ? cpu * 1e6 / commands : 0);
    CheckOrDie(shared.ledger->Close(), "Close");
    shared.ledger.reset();
  }
}

const bool kRegistered = [] {
  benchmark::RegisterBenchmark("write_path/balance_under_batches",
                               BM_BalanceUnderBatches)
      ->UseManualTime()
      ->Iterations(1);
  benchmark::RegisterBenchmark("write_path/submit_batch_concurrent",
                               BM_SubmitBatchConcurrent)
      ->Threads(1)
      ->Threads(2)
      ->Threads(4)
      ->UseRealTime()
      ->MinTime(1.0);
  return true;
}();

}  // namespace
}  // namespace ledger::bench
