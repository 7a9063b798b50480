// `ledgerctl replay --db DIR [--until-seq N | --as-of TIME]`
// (docs/contract.md section 7, and the audits of docs/audit.md): rebuilds every projection from the log alone and
// checks it against the stored ones, or rebuilds the state as it stood at an
// earlier point and checks the log up to there.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/base/json_writer.h"
#include "ledger/replay.h"
#include "ledger/time_util.h"
#include "tools/ledgerctl/audit_allocator.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"
#include "tools/ledgerctl/progress.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl replay --db DIR [--until-seq N | --as-of TIME]\n"
    "                        [--threads N] [--memory-budget-mib M]\n"
    "                        [--format text|json]\n"
    "\n"
    "Rebuilds every projection from the event log alone and checks it\n"
    "against the stored projections, the hash chain, the sequence, the\n"
    "balance of every journal entry and the decision of every command.\n"
    "Only reads: DIR is never written or created (a missing DIR or a\n"
    "folder without a ledger is an error), and replay runs beside a live\n"
    "writer, checking the ledger as it was when replay began.\n"
    "\n"
    "With --until-seq or --as-of it rebuilds the state as it stood at that\n"
    "point and checks the log up to there (hash chain, sequence, balance of\n"
    "each journal entry, decisions judged again, the customers' accounts\n"
    "against their lots); the stored projections are those of the head, so\n"
    "they are compared only by a full replay.\n"
    "\n"
    "Options:\n"
    "  --db DIR         the ledger's folder\n"
    "  --until-seq N    stop after event N (1 .. the head's seq)\n"
    "  --as-of TIME     stop after the last event whose `at` is at or before\n"
    "                   TIME (RFC 3339, or a date alone: its midnight UTC);\n"
    "                   the events before it in the log are\n"
    "                   included whatever their `at`\n"
    "  --threads N      threads that check and fold (default 0: one per core)\n"
    "  --memory-budget-mib M\n"
    "                   about the most the rebuilt state holds, in MiB\n"
    "                   (default 256, at least 1): past it the usages and\n"
    "                   keys go to a scratch database in $TMPDIR (else\n"
    "                   /tmp), removed at the end; the report is the same\n"
    "  --format F       text (default: `name: value` lines) or json (one\n"
    "                   document: {\"events\", \"customers\", \"full\",\n"
    "                   \"last_seq\", \"ok\", and when not ok \"first_bad_seq\"\n"
    "                   and \"problem\"})\n"
    "  --help           print this help\n"
    "\n"
    "Exit status: 0 when every check passed, 1 on any difference (the first\n"
    "bad sequence number and the problem go to stderr), when there is no\n"
    "ledger in DIR, it cannot be read or N is past the head, 2 on bad usage.\n"
    "\n"
    "Examples:\n"
    "  ledgerctl replay --db /tmp/ledger\n"
    "  ledgerctl replay --db /tmp/ledger --until-seq 17\n"
    "  ledgerctl replay --db /tmp/ledger --as-of 2026-03-31T23:59:59Z\n";

// Reads --until-seq or --as-of (at most one) into `options`.
bool ParsePoint(const CommandSpec& spec, const Args& parsed,
                ReplayOptions* options, int* exit_code) {
  if (parsed.Has("until-seq") && parsed.Has("as-of")) {
    *exit_code = UsageError(spec, "give --until-seq or --as-of, not both");
    return false;
  }
  if (parsed.Has("until-seq")) {
    int64_t seq = 0;
    if (!ParseIntOption(spec, parsed, "until-seq", 0, 1, INT64_MAX, &seq,
                        exit_code)) {
      return false;
    }
    options->until_seq = static_cast<uint64_t>(seq);
  }
  return ParseTimeOption(spec, parsed, "as-of", &options->as_of_us, exit_code);
}

std::string RenderText(const ReplayReport& report) {
  std::string out = absl::StrCat("events checked: ", report.events, "\n",
                                 "customers:      ", report.customers, "\n");
  if (!report.full) {
    absl::StrAppend(&out, "state at seq:   ", report.last_seq, "\n",
                    "projections:    not compared (only a full replay does)\n");
  }
  absl::StrAppend(&out, "verdict:        ", report.ok ? "OK" : "FAILED", "\n");
  return out;
}

std::string RenderJson(const ReplayReport& report) {
  JsonWriter w;
  w.BeginObject();
  w.Key("events").Uint(report.events);
  w.Key("customers").Uint(report.customers);
  w.Key("full").Bool(report.full);
  w.Key("last_seq").Uint(report.last_seq);
  w.Key("ok").Bool(report.ok);
  if (!report.ok) {
    w.Key("first_bad_seq").Uint(report.first_bad_seq);
    w.Key("problem").String(report.problem);
  }
  w.EndObject();
  return w.str() + "\n";
}

}  // namespace

const CommandSpec& ReplaySpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "replay",
      .summary = "rebuild the projections from the log and check them",
      .usage = kUsage,
      .options = {"db", "until-seq", "as-of", "threads", "memory-budget-mib",
                  "format"},
      .formats = {Format::kText, Format::kJson},
      .required = {"db"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunReplay(std::span<char* const> args) {
  const CommandSpec& spec = ReplaySpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  ReplayOptions options;
  if (!ParsePoint(spec, parsed, &options, &exit_code)) return exit_code;
  int64_t threads = 0;
  if (!ParseIntOption(spec, parsed, "threads", 0, 0, kMaxReplayThreads, &threads,
                      &exit_code)) return exit_code;
  options.threads = static_cast<int>(threads);
  int64_t budget_mib = 0;
  if (!ParseIntOption(spec, parsed, "memory-budget-mib",
                      kDefaultAuditMemoryBytes >> 20,
                      kMinAuditMemoryBytes >> 20, int64_t{1} << 30, &budget_mib,
                      &exit_code)) {
    return exit_code;
  }
  options.memory.budget_bytes = static_cast<size_t>(budget_mib) << 20;
  // What the allocator keeps beside the budget (audit_allocator.h).
  BoundAllocatorForAudit();
  const Format format = parsed.format;
  const std::string dir = parsed.Get("db");

  std::unique_ptr<ProgressBar> bar;
  options.progress = ProgressCallback("replay", &bar);
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir, options);
  bar.reset();  // ends the bar's line before the results
  if (!report.ok()) {
    return Fail("replay", "cannot replay the ledger in " + dir,
                report.status());
  }
  const std::string out = format == Format::kJson ? RenderJson(*report)
                                                  : RenderText(*report);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (!report->ok) {
    if (report->first_bad_seq != 0) {
      return FailWith("replay",
                      absl::StrCat("the ledger in ", dir,
                                   " failed its checks: first bad event seq ",
                                   report->first_bad_seq, ": ",
                                   report->problem));
    }
    return FailWith("replay", absl::StrCat("the ledger in ", dir,
                                           " failed its checks: ",
                                           report->problem));
  }
  return kExitOk;
}

}  // namespace ledger::tools
