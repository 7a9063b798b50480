// What webhook delivery asks of a cluster (docs/cluster.md, "Webhooks"):
// whether this node may send a partition's events now (it holds the
// partition's lease), and that an endpoint's cursor be shared with the
// other nodes after the ledger stored it. The webhooks code knows no NATS:
// the cluster code implements this (tools/ledgerd/cluster/delivery_lease.h).
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_DELIVERY_GATE_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_DELIVERY_GATE_H_

#include <cstdint>
#include <optional>
#include <string>

namespace ledger::ledgerd {

class DeliveryGate {
 public:
  virtual ~DeliveryGate() = default;
  // Whether a POST may start (or go on) now. Cheap: asked before every
  // attempt and about once a second during one. Thread-safe.
  virtual bool MaySend() = 0;
  // Shares `endpoint`'s cursor `seq` (its events up to seq are handled)
  // with the nodes that may send after this one. False when it could not,
  // because the right to send was lost: the endpoint's delivery then ends.
  // Thread-safe; may block for a network round trip.
  virtual bool CursorStored(const std::string& endpoint, uint64_t seq) = 0;
};

// Where a WebhookDelivery runs. The default is a single-node ledgerd; in a
// cluster one delivery per partition, each with its partition's gate.
struct DeliveryScope {
  // Cluster mode: the partition whose ledger is delivered. It goes into the
  // `webhook-id` (evt_p<N>_...), a `ledger-partition` header and the
  // metrics' `partition` label.
  std::optional<int> partition;
  // Null on a single node (always may send, nothing to share).
  DeliveryGate* gate = nullptr;
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_DELIVERY_GATE_H_
