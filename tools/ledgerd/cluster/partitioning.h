// How a cluster splits customers into partitions (docs/contract.md section 10),
// and the --host-partitions list. Pure functions: every node must compute the
// same.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_PARTITIONING_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_PARTITIONING_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ledger::cluster {

// Bound on --partitions: each hosted partition is a RocksDB ledger and a
// consumer thread, so a node with thousands would exhaust file handles.
inline constexpr int kMaxPartitions = 256;

// FNV-1a, 64 bits, of the bytes of `customer`.
uint64_t Fnv1a64(std::string_view bytes);

// The partition of `customer` among `partitions` (FNV-1a 64 mod P).
// REQUIRES: partitions >= 1.
int PartitionOf(std::string_view customer, int partitions);

// Parses "0-3,8" into the sorted, distinct partitions it names.
// InvalidArgument for a malformed item or one outside [0, partitions).
[[nodiscard]] absl::StatusOr<std::vector<int>> ParsePartitionList(
    std::string_view list, int partitions);

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_PARTITIONING_H_
