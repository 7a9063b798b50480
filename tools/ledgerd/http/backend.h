// What the HTTP API reads and writes through (docs/http.md): one ledger,
// or in cluster mode the node's partitions, with the gRPC service's
// forwarding (cluster_api.h) for what this node does not host. The paths
// see one interface either way.
//
// Across partitions (docs/http.md, "In a cluster"): commands go through
// ClusterApi::SubmitBatch as SubmitBatch's do; a balance is read from the
// customer's partition here when this node hosts it, else forwarded as
// GetBalance is; a customer's history likewise, forwarded with its event
// hashes (ClusterApi::ReadCustomerHistory); the lists merge one page of
// every partition, each read from its own snapshot, here or on a node that
// hosts it, in the list's order (ids; request time); the liability report
// sums every partition's (partition_merge.h). So every node answers every
// path with the same bytes.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_BACKEND_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_BACKEND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/ledger.h"
#include "ledger/liability.h"
#include "ledger/pages.h"
#include "ledger/rejections.h"
#include "tools/ledgerd/cluster/cluster_api.h"
#include "tools/ledgerd/metrics.h"

namespace ledger::http {

class Backend {
 public:
  // Exactly one of `ledger` and `cluster` is not null. `dir` is --db (the
  // ledger's folder, or the node's). REQUIRES: all outlive the backend.
  Backend(Ledger* ledger, cluster::ClusterApi* cluster, std::string dir,
          ledgerd::Metrics* metrics)
      : ledger_(ledger), cluster_(cluster), dir_(std::move(dir)),
        metrics_(metrics) {}

  // One result per command, in order, all durable (one group per
  // partition). `actor` is recorded on every event.
  [[nodiscard]] absl::StatusOr<std::vector<SubmitResult>> Submit(
      const std::vector<v1::Command>& commands, const std::string& actor,
      absl::Time deadline);
  [[nodiscard]] absl::StatusOr<Balance> GetBalance(const std::string& customer,
                                                   int64_t at_us,
                                                   absl::Time deadline);
  // A page of `customer`'s history through the customer index, read on a
  // node hosting its partition.
  [[nodiscard]] absl::StatusOr<CustomerEventPage> CustomerEvents(
      const std::string& customer, uint64_t from_seq, size_t limit,
      absl::Time deadline);
  // A page of `customer`'s refusals (ledger/rejections.h) through the
  // journal's per-customer index, read from the folder of the ledger or
  // of the customer's partition, beside its writer. In a cluster, only on
  // a node hosting that partition: elsewhere Unavailable naming it (the
  // journal is not replicated through the log, docs/http.md).
  [[nodiscard]] absl::StatusOr<RejectionPage> CustomerRejections(
      const std::string& customer, const std::string& after, size_t limit);
  [[nodiscard]] absl::StatusOr<CustomerPage> ListCustomers(
      const std::string& after, size_t limit, int64_t at_us,
      absl::Time deadline);
  [[nodiscard]] absl::StatusOr<PendingRefundPage> PendingRefunds(
      const std::string& after, size_t limit, absl::Time deadline);
  [[nodiscard]] absl::StatusOr<LiabilityReport> Liability(int64_t from_us,
                                                          int64_t to_us,
                                                          absl::Time deadline);

 private:
  // Whether this node holds every partition (a single ledger does).
  absl::StatusOr<bool> HostsEveryPartition();

  Ledger* const ledger_;
  cluster::ClusterApi* const cluster_;
  const std::string dir_;
  ledgerd::Metrics* const metrics_;
};

}  // namespace ledger::http

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_BACKEND_H_
