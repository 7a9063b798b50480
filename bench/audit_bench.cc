// audit/peak_rss: the peak memory and the rate of the three audits that
// read the whole log -- `ledgerctl replay`, `liability` and `trial-balance`
// -- at N events and at 10 N, each a child process whose peak RSS and CPU
// time are its own (/usr/bin/time's %M, %U and %S). The log is
// LEDGER_BENCH_AUDIT_CUSTOMERS purchases, then uses round-robin over them,
// grown in place from N to 10 N; the customers stay few, so what grows is
// the history (usages and keys), not the number of customers. Replay runs
// twice at each size: with the default budget (bounded) and with a budget
// that holds everything (what replay held before it had one), for its
// events per second.
// LEDGER_BENCH_AUDIT_DIR=D keeps the two logs, D/events_N and D/events_10N
// (the second a copy of the first, grown), between runs: the 10 N log of a
// large N takes long to build, and repeated runs then measure the same
// files.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_fixtures.h"
#include "benchmark/benchmark.h"
#include "ledger/ledger.h"

extern char** environ;

namespace ledger::bench {
namespace {

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtoull(v, nullptr, 10);
}

// LEDGER_BENCH_AUDIT_EVENTS (default 100 000): N.
uint64_t AuditEvents() { return EnvOr("LEDGER_BENCH_AUDIT_EVENTS", 100000); }
// LEDGER_BENCH_AUDIT_CUSTOMERS (default 2 000).
uint64_t AuditCustomers() { return EnvOr("LEDGER_BENCH_AUDIT_CUSTOMERS", 2000); }
// LEDGER_BENCH_AUDIT_BUDGET_MIB: the bounded runs' --memory-budget-mib
// (default 256, ledgerctl's default). The ratio of 10 N over N measures the
// bound only when the history at N already needs more than the budget.
uint64_t AuditBudgetMib() { return EnvOr("LEDGER_BENCH_AUDIT_BUDGET_MIB", 256); }

// Where the log of `events` events is kept between runs, or "" when logs
// are not kept.
std::string KeptDir(uint64_t events) {
  const char* root = std::getenv("LEDGER_BENCH_AUDIT_DIR");
  if (root == nullptr || *root == '\0') return "";
  return absl::StrCat(root, "/events_", events);
}

// Written beside a kept log once it is complete (its event count): without
// it the folder is half-built and is built again.
std::string MarkerOf(const std::string& dir) { return dir + ".complete"; }

bool KeptLogComplete(const std::string& dir, uint64_t events) {
  std::ifstream marker(MarkerOf(dir));
  uint64_t logged = 0;
  return marker >> logged && logged == events;
}

struct ChildRun {
  bool ok = false;
  double seconds = 0;
  double cpu_seconds = 0;  // user + system, the child's own
  double peak_rss_mib = 0;
};

// Runs ledgerctl with `args`, its output to /dev/null, under /usr/bin/time
// (Debian's `time`), which reports its child's peak RSS and CPU time. Not
// wait4's own ru_maxrss: a child spawned from this process counts this
// process's peak (the ledger it just grew) until it execs, whereas
// /usr/bin/time is small when it forks ledgerctl.
ChildRun RunLedgerctl(std::vector<std::string> args) {
  static int runs = 0;
  const std::string rss_file = NewDir(absl::StrCat("audit-rss-", runs++));
  args.insert(args.begin(), {"/usr/bin/time", "-o", rss_file, "-f",
                             "%M %U %S", LEDGERCTL_PATH});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  ChildRun run;
  const double start = NowSeconds();
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0) {
    int status = -1;
    if (waitpid(pid, &status, 0) == pid) {
      run.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
  }
  run.seconds = NowSeconds() - start;
  posix_spawn_file_actions_destroy(&actions);
  std::ifstream rss(rss_file);
  double kib = 0, user = 0, system = 0;
  run.ok = run.ok && static_cast<bool>(rss >> kib >> user >> system);
  run.peak_rss_mib = kib / 1024.0;
  run.cpu_seconds = user + system;
  return run;
}

// Grows the ledger in `dir` to `events` events (sync off: nothing stored
// differs, only when the WAL reaches the disk).
void GrowTo(const std::string& dir, uint64_t customers, uint64_t* logged,
            uint64_t events) {
  std::unique_ptr<Ledger> ledger = OpenLedgerOrDie(dir, /*sync=*/false);
  std::vector<v1::Command> batch;
  auto flush = [&] {
    SubmitAllOrDie(*ledger, batch, 1000);
    batch.clear();
  };
  for (; *logged < events; ++*logged) {
    batch.push_back(*logged < customers ? PurchaseCommand(*logged)
                                        : UseCommand(*logged % customers, *logged));
    if (batch.size() == 100000) flush();
  }
  flush();
  CheckOrDie(ledger->Close(), "Close");
}

// The log of `events` events to audit: grown in place from the one before
// (`dir`, `*logged` events), or with LEDGER_BENCH_AUDIT_DIR its kept copy,
// built (from a copy of the smaller kept log) only when not complete yet.
std::string LogOf(const std::string& dir, uint64_t customers, uint64_t* logged,
                  uint64_t events) {
  const std::string kept = KeptDir(events);
  if (kept.empty()) {
    GrowTo(dir, customers, logged, events);
    return dir;
  }
  if (KeptLogComplete(kept, events)) {
    *logged = events;
    return kept;
  }
  std::filesystem::remove_all(kept);
  std::filesystem::create_directories(std::filesystem::path(kept).parent_path());
  // The smaller kept log (the one audited just before) is the start.
  if (*logged > 0 && KeptLogComplete(KeptDir(*logged), *logged)) {
    std::filesystem::copy(KeptDir(*logged), kept,
                          std::filesystem::copy_options::recursive);
  } else {
    *logged = 0;
  }
  GrowTo(kept, customers, logged, events);
  std::ofstream(MarkerOf(kept)) << events << "\n";
  return kept;
}

void BM_AuditPeakRss(benchmark::State& state) {
  const uint64_t n = AuditEvents();
  const uint64_t customers = std::min(AuditCustomers(), n);
  const std::string grown = NewDir("audit-log");
  uint64_t logged = 0;
  for (auto _ : state) {
    for (const uint64_t events : {n, 10 * n}) {
      state.PauseTiming();
      const std::string dir = LogOf(grown, customers, &logged, events);
      state.ResumeTiming();
      const std::string at = events == n ? "n" : "10n";
      struct Audit {
        std::string name;
        std::vector<std::string> args;
      };
      const std::string budget = std::to_string(AuditBudgetMib());
      const std::vector<Audit> audits = {
          {"replay", {"replay", "--db", dir, "--memory-budget-mib", budget}},
          {"replay_held",
           {"replay", "--db", dir, "--memory-budget-mib", "1048576"}},
          {"liability",
           {"liability", "--db", dir, "--from", "2000-01-01", "--to",
            "2100-01-01", "--memory-budget-mib", budget}},
          {"trial_balance", {"trial-balance", "--db", dir}},
      };
      for (const Audit& audit : audits) {
        ChildRun run = RunLedgerctl(audit.args);
        if (!run.ok) {
          state.SkipWithError(absl::StrCat("ledgerctl ", audit.name, " failed").c_str());
          return;
        }
        state.counters[absl::StrCat(audit.name, "_rss_mib_", at)] = run.peak_rss_mib;
        state.counters[absl::StrCat(audit.name, "_events_per_s_", at)] =
            static_cast<double>(events) / run.seconds;
        // On a shared machine the wall rate moves with the load; the CPU
        // rate (events per CPU second, user + system) much less.
        state.counters[absl::StrCat(audit.name, "_events_per_cpu_s_", at)] =
            static_cast<double>(events) / std::max(run.cpu_seconds, 1e-3);
      }
    }
  }
  for (const char* audit : {"replay", "replay_held", "liability", "trial_balance"}) {
    state.counters[absl::StrCat(audit, "_rss_10n_over_n")] =
        state.counters[absl::StrCat(audit, "_rss_mib_10n")] /
        state.counters[absl::StrCat(audit, "_rss_mib_n")];
  }
  // The bounded replay's rate over the one holding everything (at least 1
  // is the aim), on the wall clock and on CPU.
  for (const char* at : {"n", "10n"}) {
    for (const char* rate : {"events_per_s_", "events_per_cpu_s_"}) {
      state.counters[absl::StrCat("replay_over_held_", rate, at)] =
          state.counters[absl::StrCat("replay_", rate, at)] /
          state.counters[absl::StrCat("replay_held_", rate, at)];
    }
  }
  state.counters["events_n"] = static_cast<double>(n);
  state.counters["customers"] = static_cast<double>(customers);
  state.counters["budget_mib"] = static_cast<double>(AuditBudgetMib());
}

}  // namespace

void RegisterAuditBenchmarks() {
  benchmark::RegisterBenchmark("audit/peak_rss", BM_AuditPeakRss)
      ->Iterations(1)
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
}

}  // namespace ledger::bench
