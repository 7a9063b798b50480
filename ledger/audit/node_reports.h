// The liability report and the trial balance of a cluster node's folder
// (ledger/base/node_folder.h): each partition is a ledger of its own and
// every customer lives in exactly one, so the node's figures are the sums
// of its partitions'. LiabilityReportFor and ComputeTrialBalance call these
// when `dir` is a node's folder, so every caller (ledgerctl, an embedder)
// gets the cluster's figures from the same call.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_NODE_REPORTS_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_NODE_REPORTS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/liability.h"
#include "ledger/trial_balance.h"

namespace ledger {

// Whether `dir` holds a node's marker (DIR/CLUSTER).
bool IsNodeFolder(const std::string& dir);

// The sum over the node's partitions of LiabilityReportFor(DIR/p<N>, ...):
// rows added unit by unit (sorted by name), events counted per partition
// (a set_policy, copied into every partition, counts once in each).
// FailedPrecondition when the folder does not hold every partition of the
// cluster (a node with --host-partitions): a sum over some of them would
// understate what is owed. Otherwise the errors of LiabilityReportFor.
[[nodiscard]] absl::StatusOr<LiabilityReport> NodeLiabilityReport(
    const std::string& dir, int64_t from_us, int64_t to_us);

// The same for ComputeTrialBalance: lines added per (unit, account), in
// the order TrialBalance documents, and totals per unit.
[[nodiscard]] absl::StatusOr<TrialBalance> NodeTrialBalance(
    const std::string& dir, std::optional<int64_t> as_of_us);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_NODE_REPORTS_H_
