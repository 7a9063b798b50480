// `ledgerctl demo`: a simulated platform day against a fresh ledger, then a
// replay of it and a short report. This file holds the arguments and the
// order of the steps; the day itself is the workload simulator's
// (tools/workload), run from threads by demo_day.h; the report is
// demo_report.h's; which folders may be used, demo_folder.h's.
//
// The commands and outcomes depend only on the seed, not on --threads or on
// scheduling (the sequence numbers, and so the digest, do depend on
// scheduling):
// tools/workload/customer_simulation.h says why.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/demo_day.h"
#include "tools/ledgerctl/demo_folder.h"
#include "tools/ledgerctl/demo_report.h"
#include "tools/ledgerctl/failure.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl demo [--db DIR] [--customers N] [--threads T] "
    "[--seed S]\n"
    "                      [--format text|json]\n"
    "\n"
    "Simulates a day of a voice-calling platform against a fresh ledger in\n"
    "DIR (see --db for which folders it may use): customers buy credits or\n"
    "subscribe, run calls (hold, then capture or release) and direct usage,\n"
    "top up, ask for refunds that support approves or denies, get\n"
    "compensations, are now and then suspended and reinstated, and an expiry\n"
    "sweep runs late in the day; a new policy version starts at noon.\n"
    "Commands are submitted from T threads, each owning its own customers\n"
    "(ids cust-000001, cust-000002, ...), in batches: one SubmitBatch call\n"
    "with the thread's next command for each of its customers, committed\n"
    "as one group.\n"
    "\n"
    "Then reads the ledger back and prints a report: commands and events,\n"
    "outcomes by code, credits used by category; credits sold, granted by\n"
    "subscriptions, compensated, used, expired, refunded and still owed,\n"
    "and the cash sold, refunded and owed per currency (the ledger's\n"
    "liability report); throughput; the verdicts of replay and verify.\n"
    "\n"
    "The commands and their outcomes depend only on the seed. With more\n"
    "than one thread the order of the log, and so the sequence numbers and\n"
    "the digest, depend on scheduling.\n"
    "\n"
    "Options:\n"
    "  --db DIR         the ledger's folder (default: ./demo-db): missing,\n"
    "                   empty, or a ledger an earlier demo made (it holds\n"
    "                   the file LEDGERCTL_DEMO), which is replaced. Any\n"
    "                   other folder is refused and left untouched.\n"
    "  --customers N    number of customers, 1..100000 (default: 2000)\n"
    "  --threads T      submitting threads, 1..64 (default: 4)\n"
    "  --seed S         seed of the simulation, >= 0 (default: 1)\n"
    "  --format F       text (default) or json (the report as one document)\n"
    "  --help           print this help\n"
    "\n"
    "Exit status: 0 when the day ran and replay and verify passed, 1\n"
    "otherwise, 2 on bad usage, 3 when another process has DIR open.\n"
    "\n"
    "Example:\n"
    "  ledgerctl demo --db build/demo-db --customers 500 --threads 2\n";

}  // namespace

const CommandSpec& DemoSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "demo",
      .summary = "simulate a platform day on a fresh ledger, replay it, report",
      .usage = kUsage,
      .options = {"db", "customers", "threads", "seed", "format"},
      .formats = {Format::kText, Format::kJson},
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
  const Format format = parsed.format;
  config.customers = static_cast<int>(customers);
  config.threads = static_cast<int>(std::min(threads, customers));
  config.seed = static_cast<uint64_t>(seed);

  if (absl::Status s = PrepareDemoFolder(config.dir); !s.ok()) {
    return Fail("demo", "cannot use " + config.dir, s,
                absl::IsFailedPrecondition(s) ? kRefusalHint : "");
  }
  absl::StatusOr<DayResult> day = RunDay(config);  // closes the ledger
  if (!day.ok()) {
    return Fail("demo", "the day failed in " + config.dir, day.status());
  }
  return ReportDay(config, *day, format);
}

}  // namespace ledger::tools
