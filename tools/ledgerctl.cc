// ledgerctl: the credit ledger's command line (SPEC 7). This file holds
// main, the dispatch to subcommands and the argument parser they share.
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
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

std::string Args::Get(std::string_view name, std::string_view fallback) const {
  auto it = options.find(name);
  return it == options.end() ? std::string(fallback) : it->second;
}

int UsageError(const CommandSpec& spec, std::string_view message) {
  std::fprintf(stderr, "ledgerctl %s: %s\n\n", std::string(spec.name).c_str(),
               std::string(message).c_str());
  std::fputs(std::string(spec.usage).c_str(), stderr);
  return kExitUsage;
}

bool ParseArgs(const CommandSpec& spec, std::span<char* const> args,
               Args* parsed, int* exit_code) {
  const auto listed = [](const std::vector<std::string_view>& names,
                          std::string_view name) {
    for (std::string_view n : names) {
      if (n == name) return true;
    }
    return false;
  };
  const auto known = [&](std::string_view name) {
    return listed(spec.options, name);
  };
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (options_done || arg == "-" || !arg.starts_with("-")) {
      parsed->positionals.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      parsed->help = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      *exit_code = UsageError(spec, absl::StrCat("unknown option '", std::string(arg), "'"));
      return false;
    }
    std::string_view name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
      has_value = true;
    }
    if (listed(spec.flags, name)) {
      if (has_value) {
        *exit_code = UsageError(
            spec, absl::StrCat("--", std::string(name), " takes no value"));
        return false;
      }
      parsed->options[std::string(name)] = "";
      continue;
    }
    if (!known(name)) {
      *exit_code = UsageError(spec, absl::StrCat("unknown option '--", std::string(name), "'"));
      return false;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        *exit_code = UsageError(spec, absl::StrCat("--", std::string(name), " needs a value"));
        return false;
      }
      value = args[++i];
    }
    parsed->options[std::string(name)] = std::move(value);
  }
  if (parsed->help) {
    std::fputs(std::string(spec.usage).c_str(), stdout);
    *exit_code = kExitOk;
    return false;
  }
  for (std::string_view name : spec.required) {
    if (!parsed->Has(name)) {
      *exit_code = UsageError(spec, absl::StrCat("--", std::string(name), " is required"));
      return false;
    }
  }
  if (parsed->positionals.size() > spec.max_positionals) {
    *exit_code = UsageError(
        spec, absl::StrCat("unexpected argument '",
                           parsed->positionals[spec.max_positionals], "'"));
    return false;
  }
  return true;
}

bool ParseIntOption(const CommandSpec& spec, const Args& args,
                    std::string_view name, int64_t fallback, int64_t min,
                    int64_t max, int64_t* value, int* exit_code) {
  if (!args.Has(name)) {
    *value = fallback;
    return true;
  }
  const std::string text = args.Get(name);
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(absl::string_view(text), &parsed) || parsed < min ||
      parsed > max) {
    *exit_code = UsageError(
        spec, absl::StrCat("--", std::string(name), " must be a whole number in ", min,
                           "..", max, ", not '", text, "'"));
    return false;
  }
  *value = parsed;
  return true;
}

}  // namespace ledger::tools

int main(int argc, char** argv) { return ledger::tools::Main(argc, argv); }
