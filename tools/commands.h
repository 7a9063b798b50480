// ledgerctl's subcommands (SPEC 7) and the small argument parser they share.
//
// Every subcommand takes the arguments that follow its name, prints its usage
// to stdout with exit status 0 on `--help` / `-h`, and prints the problem and
// its usage to stderr with exit status 2 on bad usage. Other failures (the
// store, the input file, an unknown customer) print a message to stderr and
// exit with status 1.
#ifndef CREDIT_LEDGER_TOOLS_COMMANDS_H_
#define CREDIT_LEDGER_TOOLS_COMMANDS_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ledger::tools {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// What one subcommand accepts.
struct CommandSpec {
  std::string_view name;     // "apply"
  std::string_view summary;  // one line for `ledgerctl --help`
  std::string_view usage;    // the full text printed by `--help`
  // Options that take a value (`--db DIR` or `--db=DIR`), without dashes.
  std::vector<std::string_view> options;
  // Options that are required.
  std::vector<std::string_view> required;
  // Options that take no value (`--follow`); Args::Has tells if given.
  std::vector<std::string_view> flags = {};
  size_t max_positionals = 0;
};

// The arguments of one subcommand after parsing.
struct Args {
  std::map<std::string, std::string, std::less<>> options;
  std::vector<std::string> positionals;
  bool help = false;  // --help or -h was given

  bool Has(std::string_view name) const {
    return options.find(name) != options.end();
  }
  // The option's value, or `fallback` when it was not given.
  std::string Get(std::string_view name, std::string_view fallback = "") const;
};

// Parses `args` (the words after the subcommand's name) against `spec`.
// On success returns true. On bad usage writes "ledgerctl NAME: PROBLEM" and
// the usage to stderr, sets *exit_code to kExitUsage and returns false. When
// --help is given prints the usage to stdout, sets *exit_code to kExitOk and
// returns false.
bool ParseArgs(const CommandSpec& spec, std::span<char* const> args,
               Args* parsed, int* exit_code);

// Writes "ledgerctl NAME: MESSAGE" and the usage to stderr; returns
// kExitUsage.
int UsageError(const CommandSpec& spec, std::string_view message);

// Parses a whole number option in [min, max]; on failure reports bad usage
// and returns false with *exit_code set.
bool ParseIntOption(const CommandSpec& spec, const Args& args,
                    std::string_view name, int64_t fallback, int64_t min,
                    int64_t max, int64_t* value, int* exit_code);

// The subcommands. Each returns the process exit status.
const CommandSpec& ApplySpec();
int RunApply(std::span<char* const> args);

const CommandSpec& BalanceSpec();
int RunBalance(std::span<char* const> args);

const CommandSpec& ReplaySpec();
int RunReplay(std::span<char* const> args);

const CommandSpec& TrialBalanceSpec();
int RunTrialBalance(std::span<char* const> args);

const CommandSpec& DigestSpec();
int RunDigest(std::span<char* const> args);

const CommandSpec& VerifySpec();
int RunVerify(std::span<char* const> args);

const CommandSpec& DemoSpec();
int RunDemo(std::span<char* const> args);

// Audits (docs/audit-exports.md).
const CommandSpec& StatementSpec();
int RunStatement(std::span<char* const> args);

const CommandSpec& ExportSpec();
int RunExport(std::span<char* const> args);

const CommandSpec& ImportSpec();
int RunImport(std::span<char* const> args);

const CommandSpec& TailSpec();
int RunTail(std::span<char* const> args);

const CommandSpec& LiabilitySpec();
int RunLiability(std::span<char* const> args);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_COMMANDS_H_
