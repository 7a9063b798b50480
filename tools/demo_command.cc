// `ledgerctl demo`: a simulated platform day against a fresh ledger, then a
// replay of it and a short report. This file holds the arguments and the
// order of the steps; the day itself is the workload simulator's
// (tools/workload), run from threads by demo_day.h; the report is
// demo_report.h's; which folders may be used, demo_folder.h's.
//
// The commands and outcomes depend only on the seed, not on --threads or on
// scheduling (the sequence numbers do depend on scheduling):
// tools/workload/customer_simulation.h says why.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/commands.h"
#include "tools/demo_day.h"
#include "tools/demo_folder.h"
#include "tools/demo_report.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl demo [--db DIR] [--customers N] [--threads T] "
    "[--seed S]\n"
    "\n"
    "Simulates a day of a voice-calling platform against a fresh ledger in\n"
    "DIR (see --db for which folders it may use): customers buy credits or\n"
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
    "  --db DIR         the ledger's folder (default: ./demo-db): missing,\n"
    "                   empty, or a ledger an earlier demo made (it holds\n"
    "                   the file LEDGERCTL_DEMO), which is replaced. Any\n"
    "                   other folder is refused and left untouched.\n"
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

  if (absl::Status s = PrepareDemoFolder(config.dir); !s.ok()) {
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
