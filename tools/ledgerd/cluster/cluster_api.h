// What the gRPC service asks of a cluster node (docs/contract.md section 10,
// docs/cluster.md). An interface, so tools/ledgerd's service depends on no NATS
// code; the implementation is ClusterNode (cluster_node.h).
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_API_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_API_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/ledger.h"
#include "ledger/v1/command.pb.h"
#include "ledger/v1/service.pb.h"

namespace ledger::cluster {

class ClusterApi {
 public:
  virtual ~ClusterApi() = default;

  // Routes each command to its partition (set_policy to every partition),
  // publishes, and waits until every partition involved applied its part
  // on the node that answers for it. One Result per command, in order, with
  // `partition` set. A batch is atomic per partition, not across them.
  // `actor` (the caller's token name, docs/contract.md section 16) travels
  // with every command into the log, so every replica records it.
  [[nodiscard]] virtual absl::Status SubmitBatch(
      const std::vector<v1::Command>& commands, const std::string& actor,
      absl::Time deadline, std::vector<v1::Result>* results) = 0;

  // The balance, once the customer's partition applied request.min_seq on
  // the answering node (within the deadline).
  [[nodiscard]] virtual absl::Status GetBalance(
      const v1::GetBalanceRequest& request, absl::Time deadline,
      v1::GetBalanceResponse* response) = 0;

  // How many partitions the cluster has (--partitions).
  virtual int partitions() const = 0;

  // The ledger of `partition` on this node, for ReadEvents to read and
  // follow, or nullptr when this node does not host it (read it with
  // ReadEventsPage). InvalidArgument outside [0, partitions()).
  [[nodiscard]] virtual absl::StatusOr<Ledger*> PartitionLedger(
      int partition) = 0;

  // For a partition this node does not host: the partition's events from
  // `from_seq` on, at most a page (kMaxEventPageBytes), read on a node that
  // hosts it. With `wait`, when there is none yet, the hosting node waits
  // that long for the next. Unavailable when no hosting node answers by
  // `deadline`.
  [[nodiscard]] virtual absl::StatusOr<std::vector<v1::Event>> ReadEventsPage(
      int partition, uint64_t from_seq, bool wait, absl::Time deadline) = 0;

  // For a partition this node does not host: at most
  // kMaxCustomerEventPage of `customer`'s events from `from_seq` on, read
  // through the customer index on a node that hosts it (empty past the
  // customer's last event). NotFound for a customer with no event;
  // Unavailable as ReadEventsPage.
  [[nodiscard]] virtual absl::StatusOr<std::vector<v1::Event>>
  ReadCustomerEventsPage(int partition, const std::string& customer,
                         uint64_t from_seq, absl::Time deadline) = 0;

  // The Backup RPC on a cluster node (docs/cluster.md, "Re-seeding a
  // node"): every partition hosted here copied (Ledger::Backup) into
  // `to`/p<N>, and the node's CLUSTER file beside them, so `to` is a node
  // folder another node can start from. One BackupCopy per partition.
  [[nodiscard]] virtual absl::Status Backup(const std::string& to,
                                            v1::BackupResponse* response) = 0;
};

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_API_H_
