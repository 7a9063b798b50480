// The ledger at scale, on one large log built once per process and grown in
// place from checkpoint to checkpoint (100 000, 1 000 000 and
// LEDGER_BENCH_REPLAY_EVENTS events, default 10 000 000):
//   the log is LEDGER_BENCH_CUSTOMERS (default 1 000 000) purchases, one per
//   customer, then `use` commands round-robin over the customers. It is built
//   with SubmitBatch(1000), Options::sync = false and every customer cached,
//   to build faster (neither changes what is stored: sync only when the WAL
//   reaches the disk, the cache only what is read back);
//   scale/cost_per_command/events:N: 100 synced SubmitBatch(1000) of uses
//     for random customers with N events already in the log (the ledger is
//     reopened with sync on; `open_s` is how long that Open took; the uses
//     stay in the log);
//   scale/balance_latency: GetBalance of random customers, one at a time,
//     p50 / p99 / p99.9 in microseconds as counters;
//   scale/peak_rss: a child process (`ledger_bench --probe_rss=DIR`) opens
//     the ledger, submits 1000 uses and queries balances; its VmHWM is the
//     peak memory of a ledger with that many customers and events;
//   scale/raw_scan: a raw RocksDB scan of the events family (the read
//     options ledger/storage/store.cc uses), touching every key and value;
//   scale/replay: ReplayLedger over the whole log (hash chain, re-judging,
//     journal balance, projections, keys);
//   scale/raw_scan_sha256 and scale/raw_scan_parse: the raw scan plus the
//     hash chain, or plus parsing each Event: where replay's time goes;
//   scale/replay_threads: ReplayLedger with 1 and with 2 threads, in turn,
//     several times over the same log: the speedup of the second core.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <span>
#include <thread>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "bench/bench_fixtures.h"
#include "benchmark/benchmark.h"
#include "ledger/replay.h"
#include "ledger/base/sha256.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/v1/event.pb.h"

namespace ledger::bench {
namespace {

constexpr size_t kBuildBatch = 1000;
constexpr size_t kMeasureBatch = 1000;
// Batches each cost-per-command point submits: a fixed count, not a minimum
// time, so that the log at every later checkpoint holds the same events on
// any machine (the uses measured here stay in the log).
constexpr int kMeasureBatches = 100;
constexpr int kBalanceQueries = 200'000;

class ScaleLedger {
 public:
  static ScaleLedger& Get() {
    if (instance_ == nullptr) instance_.reset(new ScaleLedger());
    return *instance_;
  }
  static void CloseInstance() { instance_.reset(); }

  const std::string& dir() const { return dir_; }
  uint64_t events() const { return events_; }
  uint64_t customers() const { return customers_; }

  // Grows the log to at least `target` events (sync off, batches of 1000),
  // and, from the customers' checkpoint on, to every customer: the uses
  // measured at earlier checkpoints count as events too.
  // Returns the seconds spent building the log so far.
  double GrowTo(uint64_t target) {
    const uint64_t want_customers =
        target >= Config().customers ? Config().customers : 0;
    auto done = [&](size_t pending) {
      return events_ + pending >= target && customers_ >= want_customers;
    };
    if (done(0)) return build_seconds_;
    OpenWith(/*sync=*/false);
    const double start = NowSeconds();
    uint64_t next_report = (events_ / 1'000'000 + 1) * 1'000'000;
    std::vector<v1::Command> batch;
    while (!done(0)) {
      batch.clear();
      while (batch.size() < kBuildBatch && !done(batch.size())) {
        if (customers_ < Config().customers) {
          batch.push_back(PurchaseCommand(customers_++));
        } else {
          const uint64_t n = next_use_++;
          batch.push_back(UseCommand(n % customers_, n));
        }
      }
      SubmitAllOrDie(*ledger_, batch, kBuildBatch);
      events_ += batch.size();
      if (events_ >= next_report) {
        std::cerr << "ledger_bench: building the log: " << events_ << " / "
                  << target << " events, "
                  << static_cast<int>(build_seconds_ + NowSeconds() - start)
                  << " s\n";
        next_report += 1'000'000;
      }
    }
    build_seconds_ += NowSeconds() - start;
    return build_seconds_;
  }

  // Opens the ledger with `sync` unless it is already open so. Returns how
  // long Open took (0 when nothing was done).
  double OpenWith(bool sync) {
    if (ledger_ != nullptr && sync_ == sync) return 0;
    ledger_.reset();
    const double start = NowSeconds();
    // The build (sync off) caches every customer, as a faster way to write
    // the same log; what is measured runs with the default cache.
    ledger_ = OpenLedgerOrDie(
        dir_, sync, sync ? Options().state_cache_customers : customers_ + 1);
    const double took = NowSeconds() - start;
    sync_ = sync;
    events_ = ledger_->LastSeq();
    return took;
  }
  void Close() { ledger_.reset(); }
  // Counts again after benchmarks that submitted to the open ledger (the
  // uses they measure stay in the log), so events() is the log's length.
  void Recount() {
    if (ledger_ != nullptr) events_ = ledger_->LastSeq();
  }
  Ledger& ledger() { return *ledger_; }

  v1::Command NextRandomUse(std::mt19937_64& rng) {
    return UseCommand(rng() % customers_, next_use_++);
  }

 private:
  ScaleLedger() : dir_(NewDir("scale")) {}

  static std::unique_ptr<ScaleLedger> instance_;
  const std::string dir_;
  std::unique_ptr<Ledger> ledger_;
  bool sync_ = false;
  uint64_t events_ = 0;
  uint64_t customers_ = 0;
  uint64_t next_use_ = 0;
  double build_seconds_ = 0;
};

std::unique_ptr<ScaleLedger> ScaleLedger::instance_;

// Per-checkpoint facts kept across Google Benchmark's repeated calls.
struct Checkpoint {
  double build_s = 0;
  double open_s = 0;
  uint64_t events = 0;
};
std::map<uint64_t, Checkpoint>& Checkpoints() {
  static auto* checkpoints = new std::map<uint64_t, Checkpoint>();
  return *checkpoints;
}

void BM_CostPerCommand(benchmark::State& state, uint64_t target) {
  ScaleLedger& s = ScaleLedger::Get();
  Checkpoint& cp = Checkpoints()[target];
  if (cp.events == 0) {
    cp.build_s = s.GrowTo(target);
    cp.open_s = s.OpenWith(/*sync=*/true);
    cp.events = s.events();
  }
  s.OpenWith(/*sync=*/true);
  std::mt19937_64 rng(target);
  std::vector<v1::Command> batch;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    for (size_t i = 0; i < kMeasureBatch; ++i) batch.push_back(s.NextRandomUse(rng));
    state.ResumeTiming();
    if (CountAccepted(s.ledger().SubmitBatch(batch)) != kMeasureBatch) {
      state.SkipWithError("a use was not accepted");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kMeasureBatch));
  s.Recount();
  state.counters["events_in_log"] = static_cast<double>(cp.events);
  state.counters["customers"] = static_cast<double>(s.customers());
  state.counters["build_s"] = cp.build_s;
  state.counters["open_s"] = cp.open_s;
  state.counters["builder_rss_mib"] = static_cast<double>(RssKib()) / 1024;
}

// With `with_writer`, a second thread keeps submitting synced batches of
// 100 uses while the queries run, as a live ledger would.
void BM_BalanceLatency(benchmark::State& state, uint64_t target,
                       bool with_writer) {
  ScaleLedger& s = ScaleLedger::Get();
  s.GrowTo(target);
  s.OpenWith(/*sync=*/true);
  s.Recount();
  const uint64_t events_queried = s.events();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> written{0};
  std::vector<v1::Command> writes;
  for (int i = 0; with_writer && i < 100'000; ++i) {
    std::mt19937_64 wrng(i);
    writes.push_back(s.NextRandomUse(wrng));
  }
  std::thread writer([&] {
    for (size_t i = 0; i + 100 <= writes.size() && !stop.load(); i += 100) {
      std::span<const v1::Command> part(writes.data() + i, 100);
      written += CountAccepted(s.ledger().SubmitBatch(part));
    }
  });
  std::mt19937_64 rng(target + 1);
  std::vector<double> latencies_us;
  latencies_us.reserve(static_cast<size_t>(state.max_iterations));
  for (auto _ : state) {
    const std::string customer = CustomerId(rng() % s.customers());
    const double start = NowSeconds();
    absl::StatusOr<Balance> balance = s.ledger().GetBalance(customer, kUseAtUs);
    const double took = NowSeconds() - start;
    if (!balance.ok()) {
      state.SkipWithError(std::string(balance.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(balance->available);
    state.SetIterationTime(took);
    latencies_us.push_back(took * 1e6);
  }
  stop = true;
  writer.join();
  s.Recount();
  state.SetItemsProcessed(state.iterations());
  if (with_writer) state.counters["writes_during"] = static_cast<double>(written.load());
  state.counters["customers"] = static_cast<double>(s.customers());
  state.counters["events_in_log"] = static_cast<double>(events_queried);
  state.counters["p50_us"] = Percentile(latencies_us, 0.50);
  state.counters["p99_us"] = Percentile(latencies_us, 0.99);
  state.counters["p999_us"] = Percentile(latencies_us, 0.999);
  state.counters["max_us"] = latencies_us.empty() ? 0 : latencies_us.back();
}

std::string SelfPath() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return "ledger_bench";
  return std::string(path, static_cast<size_t>(n));
}

void BM_PeakRss(benchmark::State& state, uint64_t target) {
  ScaleLedger& s = ScaleLedger::Get();
  s.GrowTo(target);
  s.Recount();
  s.Close();  // RocksDB allows one process at a time in a folder
  const std::string command =
      absl::StrCat(SelfPath(), " --probe_rss=", s.dir(),
                   " --probe_customers=", s.customers());
  double open_s = 0;
  long long peak_kib = -1, rss_kib = -1;
  for (auto _ : state) {
    FILE* child = popen(command.c_str(), "r");
    if (child == nullptr ||
        std::fscanf(child, "open_s=%lf peak_rss_kib=%lld rss_kib=%lld", &open_s,
                    &peak_kib, &rss_kib) != 3) {
      if (child != nullptr) pclose(child);
      state.SkipWithError("the RSS probe failed");
      break;
    }
    if (pclose(child) != 0) {
      state.SkipWithError("the RSS probe exited with an error");
      break;
    }
    state.SetIterationTime(open_s);
  }
  state.counters["customers"] = static_cast<double>(s.customers());
  state.counters["events_in_log"] = static_cast<double>(s.events());
  state.counters["peak_rss_mib"] = static_cast<double>(peak_kib) / 1024;
  state.counters["rss_mib"] = static_cast<double>(rss_kib) / 1024;
  state.counters["open_s"] = open_s;
}

void BM_Replay(benchmark::State& state, uint64_t target) {
  ScaleLedger& s = ScaleLedger::Get();
  s.GrowTo(target);
  s.Close();
  ReplayReport report;
  for (auto _ : state) {
    const double start = NowSeconds();
    absl::StatusOr<ReplayReport> r = ReplayLedger(s.dir());
    state.SetIterationTime(NowSeconds() - start);
    if (!r.ok() || !r->ok) {
      state.SkipWithError(r.ok() ? r->problem.c_str() : "replay could not read the log");
      break;
    }
    report = *r;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(report.events));
  state.counters["events"] = static_cast<double>(report.events);
  state.counters["customers"] = static_cast<double>(report.customers);
  state.counters["process_peak_rss_mib"] = static_cast<double>(PeakRssKib()) / 1024;
}

// Replays with 1 thread, then with 2, `rounds` times in turn, so that a
// change in the machine's load falls on both alike; the best of each is
// compared (the load only ever slows a run). The counters give both times,
// their ratio, the CPU each used and the 1-minute load average at the end
// (the machine's other work: on a shared VM the ratio means little
// without it).
void BM_ReplayThreads(benchmark::State& state, uint64_t target, int rounds) {
  ScaleLedger& s = ScaleLedger::Get();
  s.GrowTo(target);
  s.Close();
  double best[3] = {1e300, 1e300, 1e300};
  double cpu[3] = {0, 0, 0};
  ReplayReport report;
  for (auto _ : state) {
    double total = 0;
    for (int round = 0; round < rounds; ++round) {
      for (int threads : {1, 2}) {
        ReplayOptions options;
        options.threads = threads;
        const double cpu_start = ProcessCpuSeconds();
        const double start = NowSeconds();
        absl::StatusOr<ReplayReport> r = ReplayLedger(s.dir(), options);
        const double took = NowSeconds() - start;
        if (!r.ok() || !r->ok) {
          state.SkipWithError(r.ok() ? r->problem.c_str()
                                     : "replay could not read the log");
          return;
        }
        report = *r;
        total += took;
        if (took < best[threads]) {
          best[threads] = took;
          cpu[threads] = ProcessCpuSeconds() - cpu_start;
        }
      }
    }
    state.SetIterationTime(total);
  }
  double load[1] = {0};
  getloadavg(load, 1);
  state.SetItemsProcessed(static_cast<int64_t>(report.events));
  state.counters["events"] = static_cast<double>(report.events);
  state.counters["customers"] = static_cast<double>(report.customers);
  state.counters["seconds_1_thread"] = best[1];
  state.counters["seconds_2_threads"] = best[2];
  state.counters["speedup_2_threads"] = best[1] / best[2];
  state.counters["cpu_seconds_1_thread"] = cpu[1];
  state.counters["cpu_seconds_2_threads"] = cpu[2];
  state.counters["rounds"] = rounds;
  state.counters["loadavg_1m"] = load[0];
}

enum class ScanWork { kTouch, kSha256Chain, kParse };

void BM_RawScan(benchmark::State& state, uint64_t target, ScanWork work) {
  ScaleLedger& s = ScaleLedger::Get();
  s.GrowTo(target);
  s.Close();
  std::unique_ptr<RawDb> raw = RawDb::OpenOrDie(s.dir(), /*read_only=*/true);
  uint64_t events = 0, bytes = 0;
  for (auto _ : state) {
    events = 0;
    bytes = 0;
    const double start = NowSeconds();
    std::string prev(kHashBytes, '\0');
    v1::Event event;
    uint64_t checksum = 0;
    std::unique_ptr<rocksdb::Iterator> it(raw->db()->NewIterator(ScanOptions(), raw->events()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const rocksdb::Slice key = it->key(), value = it->value();
      ++events;
      bytes += key.size() + value.size();
      checksum += static_cast<unsigned char>(value.data()[value.size() - 1]);
      if (work == ScanWork::kSha256Chain) {
        std::string_view v(value.data(), value.size());
        std::string hash = Sha256(prev, v.substr(kHashBytes));
        if (hash != v.substr(0, kHashBytes)) {
          state.SkipWithError("hash chain broken");
          break;
        }
        prev = std::move(hash);
      } else if (work == ScanWork::kParse) {
        if (!event.ParseFromArray(value.data() + kHashBytes,
                                  static_cast<int>(value.size() - kHashBytes))) {
          state.SkipWithError("an event does not parse");
          break;
        }
      }
    }
    benchmark::DoNotOptimize(checksum);
    state.SetIterationTime(NowSeconds() - start);
    if (!it->status().ok()) state.SkipWithError(it->status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(events));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.counters["events"] = static_cast<double>(events);
}

}  // namespace

void RegisterScaleBenchmarks() {
  const BenchConfig& c = Config();
  const uint64_t last = c.replay_events;
  std::set<uint64_t> cost_points = {std::min<uint64_t>(100'000, last),
                                    std::min<uint64_t>(1'000'000, last), last};
  std::set<uint64_t> checkpoints = cost_points;
  checkpoints.insert(c.customers);
  for (uint64_t n : checkpoints) {
    if (cost_points.contains(n)) {
      benchmark::RegisterBenchmark(
          absl::StrCat("scale/cost_per_command/events:", n).c_str(),
          BM_CostPerCommand, n)
          ->UseRealTime()
          ->Iterations(kMeasureBatches);
    }
    if (n == c.customers || (n == last && n > c.customers)) {
      benchmark::RegisterBenchmark(
          absl::StrCat("scale/balance_latency/customers:", c.customers,
                       "/events:", n).c_str(),
          BM_BalanceLatency, n, /*with_writer=*/false)
          ->UseManualTime()
          ->Iterations(kBalanceQueries);
      // Before the latency under writes, whose writer adds as many uses as
      // it manages while the queries run: the memory is measured on a log
      // of a known length.
      benchmark::RegisterBenchmark(
          absl::StrCat("scale/peak_rss/customers:", c.customers, "/events:", n)
              .c_str(),
          BM_PeakRss, n)
          ->UseManualTime()
          ->Iterations(1);
      benchmark::RegisterBenchmark(
          absl::StrCat("scale/balance_latency_under_writes/customers:",
                       c.customers, "/events:", n).c_str(),
          BM_BalanceLatency, n, /*with_writer=*/true)
          ->UseManualTime()
          ->Iterations(kBalanceQueries / 4);
    }
  }
  const std::string events = absl::StrCat("/events:", last);
  benchmark::RegisterBenchmark(("scale/raw_scan" + events).c_str(), BM_RawScan,
                               last, ScanWork::kTouch)
      ->UseManualTime()
      ->Iterations(1);
  benchmark::RegisterBenchmark(("scale/replay" + events).c_str(), BM_Replay, last)
      ->UseManualTime()
      ->Iterations(1);
  // LEDGER_BENCH_REPLAY_ROUNDS: rounds of (1 thread, 2 threads). Default 3.
  const char* rounds_env = std::getenv("LEDGER_BENCH_REPLAY_ROUNDS");
  const int rounds = std::clamp(rounds_env ? std::atoi(rounds_env) : 3, 1, 100);
  benchmark::RegisterBenchmark(("scale/replay_threads" + events).c_str(),
                               BM_ReplayThreads, last, rounds)
      ->UseManualTime()
      ->Iterations(1);
  benchmark::RegisterBenchmark(("scale/raw_scan_sha256" + events).c_str(),
                               BM_RawScan, last, ScanWork::kSha256Chain)
      ->UseManualTime()
      ->Iterations(1);
  benchmark::RegisterBenchmark(("scale/raw_scan_parse" + events).c_str(),
                               BM_RawScan, last, ScanWork::kParse)
      ->UseManualTime()
      ->Iterations(1);
}

void CloseScaleFixtures() { ScaleLedger::CloseInstance(); }

int RunRssProbe(const std::string& dir, uint64_t customers) {
  const double start = NowSeconds();
  std::unique_ptr<Ledger> ledger = OpenLedgerOrDie(dir, /*sync=*/true);
  const double open_s = NowSeconds() - start;
  std::mt19937_64 rng(99);
  const uint64_t base = 1'000'000'000'000 + ledger->LastSeq();
  std::vector<v1::Command> batch;
  for (uint64_t i = 0; i < kMeasureBatch; ++i) {
    batch.push_back(UseCommand(rng() % customers, base + i));
  }
  SubmitAllOrDie(*ledger, batch, kMeasureBatch);
  for (int i = 0; i < 10'000; ++i) {
    absl::StatusOr<Balance> b = ledger->GetBalance(CustomerId(rng() % customers), kUseAtUs);
    CheckOrDie(b.status(), "GetBalance");
  }
  std::printf("open_s=%f peak_rss_kib=%" PRId64 " rss_kib=%" PRId64 "\n", open_s,
              PeakRssKib(), RssKib());
  return 0;
}

}  // namespace ledger::bench
