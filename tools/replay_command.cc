// `ledgerctl replay --db DIR` (SPEC 7): rebuilds every projection from the
// log alone and checks it against the stored ones.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "tools/commands.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl replay --db DIR\n"
    "\n"
    "Rebuilds every projection from the event log alone and checks it\n"
    "against the stored projections, the hash chain, the sequence, the\n"
    "balance of every journal entry and the decision of every command.\n"
    "Reads the ledger without writing to it (a missing DIR is created as an\n"
    "empty ledger first).\n"
    "\n"
    "Options:\n"
    "  --db DIR   the ledger's folder\n"
    "  --help     print this help\n"
    "\n"
    "Exit status: 0 when every check passed, 1 on any difference (the first\n"
    "bad sequence number and the problem go to stderr) or when the ledger\n"
    "cannot be read, 2 on bad usage.\n"
    "\n"
    "Example:\n"
    "  ledgerctl replay --db /tmp/ledger\n";

// SPEC 7: "DIR is created when missing". Only then is the folder written,
// by opening (and so creating) an empty ledger in it.
bool CreateWhenMissing(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) return true;
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(Options(), dir);
  if (!ledger.ok()) {
    std::fprintf(stderr, "ledgerctl replay: cannot create a ledger in %s: %s\n",
                 dir.c_str(), ledger.status().ToString().c_str());
    return false;
  }
  return true;
}

}  // namespace

const CommandSpec& ReplaySpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "replay",
      .summary = "rebuild the projections from the log and check them",
      .usage = kUsage,
      .options = {"db"},
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
  const std::string dir = parsed.Get("db");
  if (!CreateWhenMissing(dir)) return kExitFailure;

  absl::StatusOr<ReplayReport> report = ReplayLedger(dir);
  if (!report.ok()) {
    std::fprintf(stderr, "ledgerctl replay: cannot read the ledger in %s: %s\n",
                 dir.c_str(), report.status().ToString().c_str());
    return kExitFailure;
  }
  std::printf("events checked: %llu\n",
              static_cast<unsigned long long>(report->events));
  std::printf("customers:      %llu\n",
              static_cast<unsigned long long>(report->customers));
  std::printf("verdict:        %s\n", report->ok ? "OK" : "FAILED");
  std::fflush(stdout);
  if (!report->ok) {
    if (report->first_bad_seq != 0) {
      std::fprintf(stderr, "ledgerctl replay: first bad event seq %llu: %s\n",
                   static_cast<unsigned long long>(report->first_bad_seq),
                   report->problem.c_str());
    } else {
      std::fprintf(stderr, "ledgerctl replay: %s\n", report->problem.c_str());
    }
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace ledger::tools
