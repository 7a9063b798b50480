// What the gRPC service asks of a cluster node (docs/contract.md section 10,
// docs/cluster.md). An interface, so tools/ledgerd's service depends on no NATS
// code; the implementation is ClusterNode (cluster_node.h).
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_API_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_API_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
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
  [[nodiscard]] virtual absl::Status SubmitBatch(
      const std::vector<v1::Command>& commands, absl::Time deadline,
      std::vector<v1::Result>* results) = 0;

  // The balance, once the customer's partition applied request.min_seq on
  // the answering node (within the deadline).
  [[nodiscard]] virtual absl::Status GetBalance(
      const v1::GetBalanceRequest& request, absl::Time deadline,
      v1::GetBalanceResponse* response) = 0;

  // The Backup RPC on a cluster node (docs/cluster.md, "Re-seeding a
  // node"): every partition hosted here copied (Ledger::Backup) into
  // `to`/p<N>, and the node's CLUSTER file beside them, so `to` is a node
  // folder another node can start from. One BackupCopy per partition.
  [[nodiscard]] virtual absl::Status Backup(const std::string& to,
                                            v1::BackupResponse* response) = 0;
};

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_API_H_
