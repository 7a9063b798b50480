// ledgerd --webhooks in a cluster (docs/cluster.md, "Webhooks"): for each
// partition this node hosts, a thread that tries to take the partition's
// lease (DeliveryLease) and, while it holds it, runs the partition's
// WebhookDelivery over this node's replica of it. On taking the lease it
// first brings its replica's cursors up to the record's and waits until
// the replica has applied that far; losing the lease stops the delivery
// within one lease tick (and a POST in flight at once, by the gate).
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_WEBHOOKS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_WEBHOOKS_H_

#include <nats/nats.h>

#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "tools/ledgerd/cluster/cluster_node.h"
#include "tools/ledgerd/cluster/delivery_lease.h"
#include "tools/ledgerd/webhooks/webhook_config.h"
#include "tools/ledgerd/webhooks/webhook_delivery.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace ledger::cluster {

class ClusterWebhooks {
 public:
  // Creates the bucket LEDGER_WEBHOOKS (the streams' --replicas copies)
  // unless it exists, and starts one lease thread per hosted partition.
  // REQUIRES: InitHttpClient() was called; `node` and `registry` outlive
  // this (Stop before the node goes).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ClusterWebhooks>> Start(
      ClusterNode* node, std::vector<ledgerd::WebhookEndpoint> endpoints,
      prometheus::Registry& registry);
  // Stops every delivery (a POST in flight is sent again by the next
  // holder) and releases the leases, so other nodes take over at once.
  // Idempotent; the destructor calls it.
  void Stop();
  ~ClusterWebhooks();

 private:
  struct Partition {
    PartitionReplica* replica = nullptr;
    std::unique_ptr<DeliveryLease> lease;
    std::unique_ptr<ledgerd::WebhookDelivery> delivery;
  };
  ClusterWebhooks(std::vector<ledgerd::WebhookEndpoint> endpoints,
                  prometheus::Registry& registry)
      : endpoints_(std::move(endpoints)), registry_(registry) {}
  void Run(Partition& p);
  // Just took the lease: cursors into the replica, wait for its events,
  // start delivering. False (lease released) when that failed or stopped.
  bool BeginSending(Partition& p);

  const std::vector<ledgerd::WebhookEndpoint> endpoints_;
  prometheus::Registry& registry_;
  jsCtx* js_ = nullptr;
  kvStore* kv_ = nullptr;
  absl::Notification stop_;
  std::vector<std::unique_ptr<Partition>> partitions_;
  std::vector<std::thread> threads_;
};

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_WEBHOOKS_H_
