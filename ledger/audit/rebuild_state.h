// Rebuilding the state as it stood at a point of the log, for the library's
// own readers and ledgerctl's audits (`balance --as-of-seq`) through
// BalanceAsOfSeq. Internal: the state it returns is projections/ledger_state.h,
// which is not installed, so it is not in the public ledger/replay.h.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_REBUILD_STATE_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_REBUILD_STATE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/replay.h"
#include "projections/ledger_state.h"

namespace ledger {

// Rebuilds the state as it stood at the point `options` names, checking the
// log up to there as ReplayLedger does; `report`, when not null, receives
// the report. Errors as for ReplayLedger with options; DataLoss, naming the
// first bad seq, when a check fails (no state is returned then).
[[nodiscard]] absl::StatusOr<std::unique_ptr<LedgerState>> RebuildState(
    const std::string& dir, const ReplayOptions& options,
    ReplayReport* report = nullptr);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_REBUILD_STATE_H_
