// A guard at the edge of the ledger (`ledgerctl apply` and `ledgerd`, on by
// default at 24 hours, `--max-future DURATION` or `off`): a command dated
// more than a set duration ahead of this machine's clock is refused before
// it reaches the ledger (docs/edge-guards.md, docs/contract.md section 15).
// One mistyped year would otherwise lock its customer out: every later
// command would be earlier than it.
//
// Why at the edge and not in the rules: judging must never read the wall
// clock, so that replay and a replica reach the same decisions from the log
// alone. A command the guard refuses never enters the log; one it lets
// through is judged exactly as without the guard.
#ifndef CREDIT_LEDGER_TOOLS_EDGE_FUTURE_GUARD_H_
#define CREDIT_LEDGER_TOOLS_EDGE_FUTURE_GUARD_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ledger::edge {

// What `apply` and `ledgerd` guard with when --max-future is not given.
inline constexpr absl::Duration kDefaultMaxFuture = absl::Hours(24);

// A guard's limit as FLAG (e.g. "--max-past") takes it: a positive duration
// absl::ParseDuration reads ("24h", "90m", "1h30m"), or "off" for none
// (nullopt). InvalidArgument with a message naming FLAG otherwise. The one
// reader of both guards' flags.
absl::StatusOr<std::optional<absl::Duration>> ParseGuardDuration(
    std::string_view flag, std::string_view text);

// The guard a --max-future value asks for: a positive duration
// absl::ParseDuration reads ("24h", "90m", "1h30m"), or "off" for none
// (nullopt). InvalidArgument with a message naming the flag otherwise.
absl::StatusOr<std::optional<absl::Duration>> ParseMaxFuture(std::string_view text);

// How a guard was set, for its messages: "--max-future TEXT", or, when the
// flag was not given, "--max-future 24h (the default)".
std::string MaxFutureSetting(std::optional<std::string_view> text);

class FutureGuard {
 public:
  // Refuses times more than `max_ahead` after `now()`. `setting` names how
  // it was configured ("--max-future 24h"), for the message. `now` is the
  // wall clock unless a test gives another.
  FutureGuard(absl::Duration max_ahead, std::string setting,
              std::function<absl::Time()> now = absl::Now);

  // OK, or InvalidArgument saying how far ahead `at_us` (microseconds since
  // the epoch) is and which setting refused it.
  absl::Status CheckAt(int64_t at_us) const;

  // CheckAt on the top-level "at" of one JSON command. A line without a
  // readable "at" (not JSON, no "at", not an RFC 3339 time) passes: the
  // ledger rejects it itself, with the precise reason.
  absl::Status CheckJson(std::string_view json) const;

 private:
  absl::Duration max_ahead_;
  std::string setting_;
  std::function<absl::Time()> now_;
};

// The value of the string member `name` of the top-level JSON object in
// `json`, unescaped; nullopt when there is none, it is not a string, or the
// line is not a JSON object. Reads without building a tree: the guard runs
// on every line before the ledger's own parse.
std::optional<std::string> TopLevelString(std::string_view json,
                                          std::string_view name);

// The top-level "at" of one JSON command, in microseconds since the epoch;
// nullopt when it has none or one that does not parse: a command without
// `at` is stamped by the writer, and the ledger rejects an unreadable one
// itself, so the guards let both through.
std::optional<int64_t> ReadableAtUs(std::string_view json);

}  // namespace ledger::edge

#endif  // CREDIT_LEDGER_TOOLS_EDGE_FUTURE_GUARD_H_
