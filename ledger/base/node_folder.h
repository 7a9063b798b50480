// The layout of a cluster node's folder (docs/cluster.md, "A node's folder"),
// known here once so that ledgerd's cluster mode, which writes it, and
// ledgerctl, which reads it, cannot disagree:
//
//   DIR/CLUSTER   "partitions P\n": how many partitions the cluster has.
//                 Written durably (durable_file.h) by the node before it
//                 creates any partition ledger, and never changed after.
//   DIR/p<N>      the ledger of partition N (0 <= N < P), a plain ledger,
//                 present for each partition the node hosts.
//
// A customer belongs to partition FNV-1a-64(customer id bytes) mod P. Pure
// functions and small reads only; nothing here opens a ledger.
#ifndef CREDIT_LEDGER_LEDGER_BASE_NODE_FOLDER_H_
#define CREDIT_LEDGER_LEDGER_BASE_NODE_FOLDER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ledger {

// The marker file's name inside a node's folder.
inline constexpr char kNodeMarkerFile[] = "CLUSTER";

// Bound on a cluster's partition count: each hosted partition is a RocksDB
// ledger and a consumer thread, so a node with thousands would exhaust file
// handles.
inline constexpr int kMaxPartitions = 256;

// FNV-1a, 64 bits, of the bytes of `bytes`.
uint64_t Fnv1a64(std::string_view bytes);

// The partition of `customer` among `partitions` (FNV-1a 64 mod P).
// REQUIRES: partitions >= 1.
int PartitionOf(std::string_view customer, int partitions);

// "DIR/p<N>": where partition `partition`'s ledger sits in `node_dir`.
std::string PartitionFolder(std::string_view node_dir, int partition);

// The marker's whole contents for a cluster of `partitions`.
std::string NodeMarkerText(int partitions);

// The partition count recorded in `node_dir`'s marker. NotFound when there is
// no marker (the folder is not a node's: a plain ledger, or nothing);
// DataLoss when the marker does not read "partitions P" with 1 <= P <=
// kMaxPartitions.
[[nodiscard]] absl::StatusOr<int> ReadNodePartitions(std::string_view node_dir);

// The partitions whose folder exists in `node_dir`, in order: the ones the
// node hosts (or hosted). REQUIRES: partitions <= kMaxPartitions.
std::vector<int> PartitionFoldersPresent(std::string_view node_dir,
                                         int partitions);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_BASE_NODE_FOLDER_H_
