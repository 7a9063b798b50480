// A guard at the edge of the ledger (`ledgerctl apply` and `ledgerd`, off by
// default, `--max-past DURATION`): a command dated more than a set duration
// before this machine's clock is refused before it reaches the ledger
// (docs/edge-guards.md, docs/contract.md section 16). Backdating is how a
// request slips under a window that has closed; with the guard, a platform
// bounds how far back its callers may write, and `ledgerctl audit-times`
// shows what was written late without it.
//
// Like the future guard (future_guard.h), it runs at the edge because
// judging never reads the wall clock: a command it refuses never enters the
// log, one it lets through is judged exactly as without it.
#ifndef CREDIT_LEDGER_TOOLS_EDGE_PAST_GUARD_H_
#define CREDIT_LEDGER_TOOLS_EDGE_PAST_GUARD_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ledger::edge {

// The guard a --max-past value asks for: a positive duration
// absl::ParseDuration reads ("24h", "90m"), or "off" for none (nullopt, the
// default). InvalidArgument with a message naming the flag otherwise.
absl::StatusOr<std::optional<absl::Duration>> ParseMaxPast(std::string_view text);

class PastGuard {
 public:
  // Refuses times more than `max_behind` before `now()`. `now` is the wall
  // clock unless a test gives another.
  explicit PastGuard(absl::Duration max_behind,
                     std::function<absl::Time()> now = absl::Now);

  // OK, or InvalidArgument saying how far back `at_us` (microseconds since
  // the epoch) is and the limit that refused it.
  absl::Status CheckAt(int64_t at_us) const;

  // CheckAt on the top-level "at" of one JSON command. A line without a
  // readable "at" passes: one without `at` is stamped with the writer's
  // clock, and the ledger rejects an unreadable one itself.
  absl::Status CheckJson(std::string_view json) const;

 private:
  absl::Duration max_behind_;
  std::function<absl::Time()> now_;
};

}  // namespace ledger::edge

#endif  // CREDIT_LEDGER_TOOLS_EDGE_PAST_GUARD_H_
