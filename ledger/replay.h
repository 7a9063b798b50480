// Replay: rebuilds every projection from the log alone and checks it
// against what is stored (docs/contract.md section 7, `ledgerctl replay`),
// or checks the log up to an earlier point of it and answers a balance as
// it stood there (audits: `--until-seq`, `--as-of`, `balance --as-of-seq`).
#ifndef CREDIT_LEDGER_LEDGER_REPLAY_H_
#define CREDIT_LEDGER_LEDGER_REPLAY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/audit_memory.h"
#include "ledger/ledger.h"

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
  // The last event folded into the rebuilt state: the head for a full
  // replay, else the point asked for (0 when no event came before it);
  // when !ok, the last event folded before the check that failed.
  uint64_t last_seq = 0;
  // True when the whole log was replayed and compared with the stored
  // projections, the idempotency index and the head.
  bool full = false;
};

// Where a replay stops. At most one of until_seq and as_of_us is set; with
// neither the replay is full.
struct ReplayOptions {
  // Stop after this event. Default: none (to the head).
  std::optional<uint64_t> until_seq;
  // Stop after the last event whose `at` is at or before this time
  // (microseconds since the epoch). Events of different customers need not
  // be in time order in the log, so the state is the log up to that event:
  // it may hold an earlier-logged event with a later `at`. Default: none.
  std::optional<int64_t> as_of_us;
  // Called on the calling thread, once per event in log order, after that
  // event and every one before it were folded, with (events folded, events
  // to fold). Default: none.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // Threads that check and fold the log (each event's stateless checks run
  // on any of them; customers are split among them by a hash of their id),
  // 1 to kMaxReplayThreads; one more thread reads the log. The report is
  // the same with any count. Default: 0, meaning
  // std::thread::hardware_concurrency() (1 when it is unknown).
  int threads = 0;
  // The memory the rebuilt state may hold before its usages and the keys
  // seen go to a scratch database (ledger/audit_memory.h); the report is
  // the same with any budget. InvalidArgument below kMinAuditMemoryBytes.
  AuditMemory memory;
};

// The most threads a replay uses to check and fold.
inline constexpr int kMaxReplayThreads = 256;

// Reads the ledger in `dir` without writing to it. For each event in order it
// checks the hash chain, the sequence, the balance of the journal entry per
// unit, that judging its command again against the state rebuilt so far
// gives the same decision, and folds it; then it compares every stored
// record, byte for byte, with what the log implies: every projection, every
// idempotency record (seq and command fingerprint), the head and the format
// marker, and finds any record with no event behind it or missing.
// A non-OK status only when the ledger cannot be read at all.
[[nodiscard]] absl::StatusOr<ReplayReport> ReplayLedger(const std::string& dir);

// The same checks up to the point `options` names. The comparison with the
// stored projections, keys and head is made only for a full replay (the
// stored ones are those of the head). InvalidArgument when both until_seq
// and as_of_us are set or threads is out of range; OutOfRange when
// until_seq is past the stored head.
[[nodiscard]] absl::StatusOr<ReplayReport> ReplayLedger(
    const std::string& dir, const ReplayOptions& options);

// The balance (docs/contract.md section 6) of `customer` at `at_us`, computed
// from the state rebuilt to event `seq`, the log up to it checked as by
// ReplayLedger with `until_seq`; DataLoss, naming the first bad seq, when a
// check fails. Never writes to the ledger. NotFound when the customer did not
// exist yet at that event.
[[nodiscard]] absl::StatusOr<Balance> BalanceAsOfSeq(
    const std::string& dir, const std::string& customer, int64_t at_us,
    uint64_t seq);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_REPLAY_H_
