// ledger_bench: Google Benchmark's main, plus the child-process mode the
// peak-memory benchmark runs (--probe_rss=DIR --probe_customers=N).
//
//   build/bench/ledger_bench --benchmark_out=build/bench.json
//                            --benchmark_out_format=json
//   LEDGER_BENCH_REPLAY_EVENTS=1000000 build/bench/ledger_bench  # smaller log
//
// Environment: LEDGER_BENCH_REPLAY_EVENTS, LEDGER_BENCH_CUSTOMERS,
// LEDGER_BENCH_HOT_CUSTOMERS, LEDGER_BENCH_DIR, LEDGER_BENCH_KEEP
// (bench/bench_fixtures.h). Benchmarks run in the order registered here.
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "bench/bench_fixtures.h"
#include "benchmark/benchmark.h"

namespace {

// Returns the value of `--name=value` in argv, or empty.
std::string FlagValue(int argc, char** argv, std::string_view name) {
  const std::string prefix = absl::StrCat("--", std::string(name), "=");
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg.substr(0, prefix.size()) == prefix) {
      return std::string(arg.substr(prefix.size()));
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  namespace lb = ledger::bench;
  const std::string probe_dir = FlagValue(argc, argv, "probe_rss");
  if (!probe_dir.empty()) {
    const std::string customers = FlagValue(argc, argv, "probe_customers");
    return lb::RunRssProbe(probe_dir, std::strtoull(customers.c_str(), nullptr, 10));
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const lb::BenchConfig& config = lb::Config();
  benchmark::AddCustomContext("replay_events", std::to_string(config.replay_events));
  benchmark::AddCustomContext("customers", std::to_string(config.customers));
  benchmark::AddCustomContext("hot_customers", std::to_string(config.hot_customers));
  benchmark::AddCustomContext("scratch_root", config.root);

  lb::RegisterStorageBenchmarks();
  lb::RegisterCpuBenchmarks();
  lb::RegisterSubmitBenchmarks();
  lb::RegisterJsonBenchmarks();
  lb::RegisterScaleBenchmarks();
  lb::RegisterScopedBenchmarks();
  lb::RegisterBackupBenchmarks();
  lb::RegisterAuditBenchmarks();
  benchmark::RunSpecifiedBenchmarks();

  lb::CloseBackupFixtures();
  lb::CloseScaleFixtures();
  lb::CloseScopedFixtures();
  lb::CloseSubmitFixtures();
  lb::CloseStorageFixtures();
  lb::RemoveScratch();
  benchmark::Shutdown();
  return 0;
}
