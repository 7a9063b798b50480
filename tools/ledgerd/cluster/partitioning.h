// How a cluster splits customers into partitions (docs/contract.md section 10),
// and the --host-partitions list. Pure functions: every node must compute the
// same. The split itself lives in ledger/base/node_folder.h, where ledgerctl
// finds a customer's partition folder with the same function.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_PARTITIONING_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_PARTITIONING_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/base/node_folder.h"

namespace ledger::cluster {

// Bound on --partitions, FNV-1a and the partition of a customer: one
// definition for ledgerd and ledgerctl.
using ::ledger::Fnv1a64;
using ::ledger::kMaxPartitions;
using ::ledger::PartitionOf;

// Parses "0-3,8" into the sorted, distinct partitions it names.
// InvalidArgument for a malformed item or one outside [0, partitions).
[[nodiscard]] absl::StatusOr<std::vector<int>> ParsePartitionList(
    std::string_view list, int partitions);

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_PARTITIONING_H_
