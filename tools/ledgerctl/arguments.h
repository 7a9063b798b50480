// The small argument parser ledgerctl's subcommands share: each subcommand
// names the options it takes, and gets them back parsed, with its usage
// printed on --help or on a mistake. Its own file so the rules (what a
// missing value, an unknown option or a repeated one does) are tested
// without running ledgerctl.
#ifndef CREDIT_LEDGER_TOOLS_ARGUMENTS_H_
#define CREDIT_LEDGER_TOOLS_ARGUMENTS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/edge/time_argument.h"

namespace ledger::tools {

// ledgerctl's exit statuses, the same for every command (docs/ledgerctl.md).
inline constexpr int kExitOk = 0;       // done; for a check: it passed
inline constexpr int kExitFailure = 1;  // failed, or a check found a problem
inline constexpr int kExitUsage = 2;    // bad usage: nothing was done
inline constexpr int kExitBusy = 3;     // another process holds the ledger
                                        // open for writing: try later

// The output formats. One meaning per name in every command that prints:
//   text   for a person (tables, `name: value` lines)
//   json   one JSON document (an object) on stdout
//   jsonl  JSON Lines: one JSON object per line, for streams
//   csv    RFC 4180, with a header line
enum class Format { kText, kJson, kJsonl, kCsv };

// What one subcommand accepts.
struct CommandSpec {
  std::string_view name;     // "apply"
  std::string_view summary;  // one line for `ledgerctl --help`
  std::string_view usage;    // the full text printed by `--help`
  // Options that take a value (`--db DIR` or `--db=DIR`), without dashes.
  std::vector<std::string_view> options;
  // The names --format takes (listed in `options` too), the first its
  // default; ParseArgs puts the one given in Args::format. Empty for a
  // command that prints nothing to choose.
  std::vector<Format> formats = {};
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
  Format format = Format::kText;  // --format, one of CommandSpec::formats

  bool Has(std::string_view name) const {
    return options.find(name) != options.end();
  }
  // The option's value, or `fallback` when it was not given.
  std::string Get(std::string_view name, std::string_view fallback = "") const;
};

// Parses `args` (the words after the subcommand's name) against `spec`.
// On success returns true. On bad usage writes "ledgerctl NAME: PROBLEM" and
// a hint to `--help` to stderr, sets *exit_code to kExitUsage and returns false. When
// --help is given prints the usage to stdout, sets *exit_code to kExitOk and
// returns false. A repeated option keeps its last value; "--" ends the
// options and "-" is a positional (standard input). --format must be one
// of spec.formats (the first when not given).
bool ParseArgs(const CommandSpec& spec, std::span<char* const> args,
               Args* parsed, int* exit_code);

// Writes "ledgerctl NAME: MESSAGE" and, on a second line, a hint to
// `ledgerctl NAME --help` to stderr (not the whole usage, which would bury
// the message); returns kExitUsage.
int UsageError(const CommandSpec& spec, std::string_view message);

// Parses a whole number option in [min, max]; on failure reports bad usage
// and returns false with *exit_code set.
bool ParseIntOption(const CommandSpec& spec, const Args& args,
                    std::string_view name, int64_t fallback, int64_t min,
                    int64_t max, int64_t* value, int* exit_code);

// The one parser of every time option (--at, --as-of, --from, --to),
// shared with the HTTP API's query parameters: an RFC 3339 time or a date
// alone, its midnight UTC (tools/edge/time_argument.h).
using ::ledger::edge::ParseTimeArgument;

// Parses the time option --NAME with ParseTimeArgument into *us when it was
// given (left as it is otherwise) and returns true; on a bad time reports
// bad usage ("--NAME: PROBLEM") and returns false with *exit_code set.
bool ParseTimeOption(const CommandSpec& spec, const Args& args,
                     std::string_view name, std::optional<int64_t>* us,
                     int* exit_code);

// --from and --to, each optional, as a period [from, to): each read with
// ParseTimeOption, and bad usage when from is later than to. Returns false
// with *exit_code set on bad usage.
bool ParsePeriodOptions(const CommandSpec& spec, const Args& args,
                        std::optional<int64_t>* from_us,
                        std::optional<int64_t>* to_us, int* exit_code);

// The name of `format` as --format takes it ("jsonl").
std::string_view FormatName(Format format);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_ARGUMENTS_H_
