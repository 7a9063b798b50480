// ledgerctl: the credit ledger's command line (docs/contract.md section 7,
// docs/ledgerctl.md). This file holds main and the dispatch to subcommands;
// their argument parser is tools/ledgerctl/arguments.cc.
#include <algorithm>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/ledgerctl/arguments.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/node_folder_routing.h"

#ifndef LEDGERCTL_VERSION
#error "LEDGERCTL_VERSION is passed by tools/CMakeLists.txt"
#endif

namespace ledger::tools {
namespace {

constexpr std::string_view kToolUsage =
    "usage: ledgerctl COMMAND [ARGS...]\n"
    "       ledgerctl --version\n"
    "\n"
    "The credit ledger's command line (docs/ledgerctl.md).\n"
    "\n"
    "Commands:\n";

constexpr std::string_view kToolUsageTail =
    "\n"
    "Run `ledgerctl COMMAND --help` for the arguments of one command.\n"
    "\n"
    "Only apply, import and demo write, and only they create a missing\n"
    "DIR. Every other command only reads: it fails on a missing DIR or a\n"
    "folder without a ledger, creates nothing, and runs beside a live\n"
    "writer (another process with the ledger open).\n"
    "\n"
    "Formats (--format), one meaning in every command: text (for a\n"
    "person), json (one JSON document), jsonl (JSON Lines: one object per\n"
    "line), csv (with a header line).\n"
    "\n"
    "Errors go to stderr as one line: `ledgerctl COMMAND: what failed: why.\n"
    "What to do.`\n"
    "\n"
    "Exit status, for every command:\n"
    "  0  done (for replay and verify: every check passed)\n"
    "  1  failed: no ledger in DIR, an unknown customer, a damaged ledger,\n"
    "     a check that found a problem, a failure of the disk\n"
    "  2  bad usage (an unknown command or option, a bad value): nothing\n"
    "     was done\n"
    "  3  busy: another process has the ledger open for writing; a writer\n"
    "     does not wait: run it again once that process closed the ledger\n"
    "     (readers are never busy)\n"
    "\n"
    "A cluster node's folder (DIR holds a CLUSTER file and a ledger per\n"
    "partition in DIR/p<N>) is read as one: a customer's command goes to the\n"
    "customer's partition, the log-wide ones take --partition N or run on\n"
    "every partition the node holds (each command's --help says which).\n";

struct Subcommand {
  const CommandSpec& (*spec)();
  int (*run)(std::span<char* const>);
};

constexpr Subcommand kSubcommands[] = {
    {ApplySpec, RunApply},
    {BalanceSpec, RunBalance},
    {ReplaySpec, RunReplay},
    {TrialBalanceSpec, RunTrialBalance},
    {LiabilitySpec, RunLiability},
    {RejectionsSpec, RunRejections},
    {RefundsSpec, RunRefunds},
    {DigestSpec, RunDigest},
    {VerifySpec, RunVerify},
    {DemoSpec, RunDemo},
    {StatementSpec, RunStatement},
    {ExportSpec, RunExport},
    {ImportSpec, RunImport},
    {TailSpec, RunTail},
    {CustomersSpec, RunCustomers},
    {PolicySpec, RunPolicy},
    {AuditTimesSpec, RunAuditTimes},
    {BackupSpec, RunBackup},
};

std::string ToolUsage() {
  std::string out(kToolUsage);
  for (const Subcommand& sub : kSubcommands) {
    const CommandSpec& spec = sub.spec();
    std::string name(spec.name);
    name.resize(15, ' ');  // room for "trial-balance"
    absl::StrAppend(&out, "  ", name, std::string(spec.summary), "\n");
  }
  out.append(kToolUsageTail);
  return out;
}

const Subcommand* FindSubcommand(std::string_view name) {
  for (const Subcommand& sub : kSubcommands) {
    if (sub.spec().name == name) return &sub;
  }
  return nullptr;
}

// Levenshtein distance: insertions, deletions and substitutions.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The command `name` was most likely meant to be: the nearest within two
// edits (a typo, a swapped pair), or "" when none is that near.
std::string_view NearestCommand(std::string_view name) {
  std::string_view best;
  size_t best_distance = 3;
  for (const Subcommand& sub : kSubcommands) {
    const size_t d = EditDistance(name, sub.spec().name);
    if (d < best_distance) {
      best = sub.spec().name;
      best_distance = d;
    }
  }
  return best;
}

int UnknownCommand(std::string_view name) {
  std::string line =
      absl::StrCat("ledgerctl: unknown command '", std::string(name), "'");
  if (std::string_view near = NearestCommand(name); !near.empty()) {
    absl::StrAppend(&line, "; did you mean '", std::string(near), "'?");
  }
  absl::StrAppend(&line, "\nRun `ledgerctl --help` for the list of commands.\n");
  std::fputs(line.c_str(), stderr);
  return kExitUsage;
}

int Main(int argc, char** argv) {
  std::span<char* const> args(argv, static_cast<size_t>(argc));
  if (args.size() < 2) {
    std::fputs(
        "ledgerctl: missing COMMAND\n"
        "Run `ledgerctl --help` for the list of commands.\n",
        stderr);
    return kExitUsage;
  }
  const std::string_view first = args[1];
  if (first == "--version" || first == "-V" || first == "version") {
    std::fputs("ledgerctl " LEDGERCTL_VERSION "\n", stdout);
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
  }
  if (first == "--help" || first == "-h" || first == "help") {
    // `ledgerctl help apply` is `ledgerctl apply --help`.
    if (first == "help" && args.size() == 3) {
      if (const Subcommand* sub = FindSubcommand(args[2])) {
        std::fputs(std::string(sub->spec().usage).c_str(), stdout);
        std::fputs(("\n" + NodeFolderHelp(sub->spec())).c_str(), stdout);
        return kExitOk;
      }
    }
    std::fputs(ToolUsage().c_str(), stdout);
    return kExitOk;
  }
  const Subcommand* sub = FindSubcommand(first);
  if (sub == nullptr) return UnknownCommand(first);
  return RunRoutedToPartitions(sub->spec(), sub->run, args.subspan(2));
}

}  // namespace
}  // namespace ledger::tools

int main(int argc, char** argv) { return ledger::tools::Main(argc, argv); }
