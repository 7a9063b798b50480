// The JSON path: `ledgerctl apply` of a file against
// SubmitBatch of the same commands built in C++, same run, same batch size.
//
//   json/apply_file: the ledgerctl binary, `apply --db NEW FILE > /dev/null`,
//     one process per iteration (start, Open, every group, Close);
//   json/submit_json_batch/batch:1000: the library call apply makes,
//     SubmitJsonBatch of the same lines in batches of 1000, in-process;
//   json/submit_batch/batch:1000: SubmitBatch of the same commands as
//     v1::Command, in batches of 1000.
// Each iteration starts from an empty, synced ledger and applies the whole
// workload: LEDGER_BENCH_HOT_CUSTOMERS purchases, then uses of random
// customers up to LEDGER_BENCH_JSON_COMMANDS commands (default 200 000,
// the figure that set the target). apply groups at most 1000 lines (tools/ledgerctl/apply_command.cc),
// so the batch sizes match. items_per_second counts commands.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>

#include "absl/strings/str_cat.h"
#include "bench/bench_fixtures.h"
#include "benchmark/benchmark.h"
#include "tools/workload/command_json.h"

extern char** environ;

namespace ledger::bench {
namespace {

constexpr size_t kBatch = 1000;

size_t JsonCommands() {
  const char* v = std::getenv("LEDGER_BENCH_JSON_COMMANDS");
  return v == nullptr ? 200'000 : std::strtoull(v, nullptr, 10);
}

// The workload, as commands and as the file apply reads, built once.
struct JsonWorkload {
  std::vector<v1::Command> commands;
  std::vector<std::string> lines;
  std::string file;

  static const JsonWorkload& Get() {
    static std::once_flag once;
    static JsonWorkload* w = nullptr;
    std::call_once(once, [] { w = new JsonWorkload(); });
    return *w;
  }

 private:
  JsonWorkload() {
    const uint64_t customers = Config().hot_customers;
    const size_t total = std::max<size_t>(JsonCommands(), customers + 1);
    std::mt19937_64 rng(7);
    for (uint64_t c = 0; c < customers; ++c) commands.push_back(PurchaseCommand(c));
    for (uint64_t n = 0; commands.size() < total; ++n) {
      commands.push_back(UseCommand(rng() % customers, n));
    }
    const std::string dir = NewDir("json-input");
    std::filesystem::create_directories(dir);
    file = dir + "/commands.jsonl";
    std::ofstream out(file);
    for (const v1::Command& c : commands) {
      lines.push_back(workload::CommandJson(c));
      out << lines.back() << "\n";
    }
    if (!out.good()) {
      std::fprintf(stderr, "ledger_bench: cannot write %s\n", file.c_str());
      std::exit(1);
    }
  }
};

void Finish(benchmark::State& state, size_t commands) {
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(commands));
  state.counters["batch"] = static_cast<double>(kBatch);
  state.counters["commands"] = static_cast<double>(commands);
}

void BM_ApplyFile(benchmark::State& state) {
  const JsonWorkload& w = JsonWorkload::Get();
  int run = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string db = NewDir(absl::StrCat("json-apply-", run++));
    std::vector<std::string> args = {LEDGERCTL_PATH, "apply", "--db", db, w.file};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    state.ResumeTiming();
    pid_t pid = -1;
    int status = -1;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0) {
      waitpid(pid, &status, 0);
    }
    posix_spawn_file_actions_destroy(&actions);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError("ledgerctl apply failed");
      break;
    }
  }
  Finish(state, w.commands.size());
}

void BM_SubmitJsonBatch(benchmark::State& state) {
  const JsonWorkload& w = JsonWorkload::Get();
  int run = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir = NewDir(absl::StrCat("json-lines-", run++));
    state.ResumeTiming();
    std::unique_ptr<Ledger> ledger = OpenLedgerOrDie(dir, /*sync=*/true);
    for (size_t i = 0; i < w.lines.size(); i += kBatch) {
      const size_t n = std::min(kBatch, w.lines.size() - i);
      if (CountAccepted(ledger->SubmitJsonBatch(
              std::span<const std::string>(w.lines).subspan(i, n))) != n) {
        state.SkipWithError("a command was not accepted");
        break;
      }
    }
    CheckOrDie(ledger->Close(), "Close");
  }
  Finish(state, w.commands.size());
}

void BM_SubmitBatchSameCommands(benchmark::State& state) {
  const JsonWorkload& w = JsonWorkload::Get();
  int run = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir = NewDir(absl::StrCat("json-commands-", run++));
    state.ResumeTiming();
    std::unique_ptr<Ledger> ledger = OpenLedgerOrDie(dir, /*sync=*/true);
    SubmitAllOrDie(*ledger, w.commands, kBatch);
    CheckOrDie(ledger->Close(), "Close");
  }
  Finish(state, w.commands.size());
}

}  // namespace

void RegisterJsonBenchmarks() {
  // Interleaved and repeated, so load on the shared machine hits all three.
  for (int repetition = 0; repetition < 2; ++repetition) {
    benchmark::RegisterBenchmark("json/submit_batch/batch:1000",
                                 BM_SubmitBatchSameCommands)
        ->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("json/apply_file", BM_ApplyFile)
        ->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("json/submit_json_batch/batch:1000",
                                 BM_SubmitJsonBatch)
        ->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
  }
}

}  // namespace ledger::bench
