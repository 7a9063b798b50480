// A cluster node's reports as sums of its partitions' (node_reports.h).
#include "ledger/audit/node_reports.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/audit/trial_balance_sums.h"
#include "ledger/base/node_folder.h"
#include "ledger/base/status_macros.h"

namespace ledger {
namespace {

// The partition folders of a node that holds all of them.
absl::StatusOr<std::vector<std::string>> AllPartitions(const std::string& dir) {
  ASSIGN_OR_RETURN(const int partitions, ReadNodePartitions(dir));
  const std::vector<int> present = PartitionFoldersPresent(dir, partitions);
  if (static_cast<int>(present.size()) != partitions) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, " holds partitions {", absl::StrJoin(present, ","), "} of ",
        partitions, ": a sum over some partitions would leave out customers; "
        "run on a node that hosts every partition, or name one with --partition"));
  }
  std::vector<std::string> out;
  for (int p : present) out.push_back(PartitionFolder(dir, p));
  return out;
}

}  // namespace

bool IsNodeFolder(const std::string& dir) {
  return !absl::IsNotFound(ReadNodePartitions(dir).status());
}

absl::StatusOr<LiabilityReport> NodeLiabilityReport(const std::string& dir,
                                                    int64_t from_us,
                                                    int64_t to_us) {
  ASSIGN_OR_RETURN(const std::vector<std::string> folders, AllPartitions(dir));
  std::vector<LiabilityReport> reports;
  reports.reserve(folders.size());
  for (const std::string& folder : folders) {
    absl::StatusOr<LiabilityReport> one = LiabilityReportFor(folder, from_us, to_us);
    if (!one.ok()) {
      return absl::Status(one.status().code(),
                          absl::StrCat(folder, ": ", one.status().message()));
    }
    reports.push_back(*std::move(one));
  }
  return SumLiabilityReports(reports, from_us, to_us);
}

absl::StatusOr<TrialBalance> NodeTrialBalance(const std::string& dir,
                                              std::optional<int64_t> as_of_us) {
  ASSIGN_OR_RETURN(const std::vector<std::string> folders, AllPartitions(dir));
  TrialBalance out;
  TrialBalanceSums sums;
  for (const std::string& folder : folders) {
    absl::StatusOr<TrialBalance> one = ComputeTrialBalance(folder, as_of_us);
    if (!one.ok()) {
      return absl::Status(one.status().code(),
                          absl::StrCat(folder, ": ", one.status().message()));
    }
    out.events_read += one->events_read;
    out.events_summed += one->events_summed;
    for (const TrialBalanceLine& line : one->lines) {
      sums.Add(line.unit, line.account, line.debit, line.credit);
    }
  }
  std::move(sums).MoveInto(&out);
  return out;
}

}  // namespace ledger
