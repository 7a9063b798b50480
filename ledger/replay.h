// Replay: rebuilds every projection from the log alone and checks it
// against what is stored (SPEC 7, `ledgerctl replay`).
#ifndef CREDIT_LEDGER_LEDGER_REPLAY_H_
#define CREDIT_LEDGER_LEDGER_REPLAY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace ledger {

struct ReplayReport {
  uint64_t events = 0;      // events read and checked
  uint64_t customers = 0;   // customers rebuilt
  bool ok = false;          // every check passed
  // When !ok: the first sequence number found bad (0 when the difference is
  // not in one event, e.g. a stored projection with no event behind it), and
  // what was wrong with it.
  uint64_t first_bad_seq = 0;
  std::string problem;
};

// Reads the ledger in `dir` without writing to it. For each event in order it
// checks the hash chain, the sequence, the balance of the journal entry per
// unit, that judging its command again against the state rebuilt so far
// gives the same decision, and folds it; then it compares every rebuilt
// projection, the idempotency index and the head with the stored ones.
// A non-OK status only when the ledger cannot be read at all.
[[nodiscard]] absl::StatusOr<ReplayReport> ReplayLedger(const std::string& dir);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_REPLAY_H_
