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
#include "ledger/liability.h"
#include "ledger/pages.h"
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

  // The HTTP API's reads of a partition this node does not host
  // (docs/http.md, "In a cluster"), each read on a node that hosts it from
  // one snapshot of its replica, exactly as Ledger's call of the same name
  // reads it there; a hosting node whose replica is behind the stream's
  // retention refuses (Unavailable) rather than answer from it. The
  // hosting node's errors come back as it decided them (an unknown
  // customer stays NotFound); Unavailable when no hosting node answers by
  // `deadline`.
  //
  // `customer`'s history with each event's hash and stored bytes, so it
  // renders as the export lines of the hosting node do. A page larger
  // than one forwarded answer is read in parts and joined.
  [[nodiscard]] virtual absl::StatusOr<CustomerEventPage> ReadCustomerHistory(
      int partition, const std::string& customer, uint64_t from_seq,
      size_t limit, absl::Time deadline) = 0;
  [[nodiscard]] virtual absl::StatusOr<CustomerPage> ListCustomersOf(
      int partition, const std::string& after, size_t limit, int64_t at_us,
      absl::Time deadline) = 0;
  [[nodiscard]] virtual absl::StatusOr<PendingRefundPage> PendingRefundsOf(
      int partition, const std::string& after, size_t limit,
      absl::Time deadline) = 0;
  // LiabilityReportFor on the partition's folder of a hosting node.
  [[nodiscard]] virtual absl::StatusOr<LiabilityReport> LiabilityOf(
      int partition, int64_t from_us, int64_t to_us, absl::Time deadline) = 0;

  // The Backup RPC on a cluster node (docs/cluster.md, "Re-seeding a
  // node"): every partition hosted here copied (Ledger::Backup) into
  // `to`/p<N>, and the node's CLUSTER file beside them, so `to` is a node
  // folder another node can start from. One BackupCopy per partition.
  [[nodiscard]] virtual absl::Status Backup(const std::string& to,
                                            v1::BackupResponse* response) = 0;
};

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_API_H_
