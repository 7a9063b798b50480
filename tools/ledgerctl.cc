// ledgerctl: the credit ledger's command line (SPEC 7). This file holds
// main and the dispatch to subcommands; their argument parser is
// tools/arguments.cc.
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "tools/commands.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kToolUsage =
    "usage: ledgerctl COMMAND [ARGS...]\n"
    "\n"
    "The credit ledger's command line.\n"
    "\n"
    "Commands:\n";

constexpr std::string_view kToolUsageTail =
    "\n"
    "Run `ledgerctl COMMAND --help` for the arguments of one command.\n"
    "Exit status: 0 on success, 1 on failure, 2 on bad usage.\n";

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
    {DigestSpec, RunDigest},
    {VerifySpec, RunVerify},
    {DemoSpec, RunDemo},
    {StatementSpec, RunStatement},
    {ExportSpec, RunExport},
    {ImportSpec, RunImport},
    {TailSpec, RunTail},
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

int Main(int argc, char** argv) {
  std::span<char* const> args(argv, static_cast<size_t>(argc));
  if (args.size() < 2) {
    std::fputs("ledgerctl: missing COMMAND\n\n", stderr);
    std::fputs(ToolUsage().c_str(), stderr);
    return kExitUsage;
  }
  const std::string_view first = args[1];
  if (first == "--help" || first == "-h" || first == "help") {
    // `ledgerctl help apply` is `ledgerctl apply --help`.
    if (first == "help" && args.size() == 3) {
      if (const Subcommand* sub = FindSubcommand(args[2])) {
        std::fputs(std::string(sub->spec().usage).c_str(), stdout);
        return kExitOk;
      }
    }
    std::fputs(ToolUsage().c_str(), stdout);
    return kExitOk;
  }
  const Subcommand* sub = FindSubcommand(first);
  if (sub == nullptr) {
    std::fprintf(stderr, "ledgerctl: unknown command '%s'\n\n",
                 std::string(first).c_str());
    std::fputs(ToolUsage().c_str(), stderr);
    return kExitUsage;
  }
  return sub->run(args.subspan(2));
}

}  // namespace
}  // namespace ledger::tools

int main(int argc, char** argv) { return ledger::tools::Main(argc, argv); }
