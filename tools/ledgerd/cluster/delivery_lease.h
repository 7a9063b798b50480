// One partition's webhook lease (docs/cluster.md, "Webhooks"): the key
// p<N> of the JetStream KV bucket LEDGER_WEBHOOKS, whose value (a
// LeaseRecord) names the node that sends the partition's events and holds
// each endpoint's cursor. Every write is a compare-and-set on the revision
// this node last wrote, so a node that lost the lease cannot move a cursor.
//
// No TTL, so cursors never expire with a lease: a node takes the lease
// when it is free (absent, or released by a node that stopped), when it
// names this node (a restart), or when the node that holds it has not
// written it for kLeaseTakeOverAfter as this node watched it. The holder
// rewrites it at least every kLeaseRenewEvery, and counts itself entitled
// to send only until kLeaseValidFor after the start of its last write that
// succeeded: a holder cut off from NATS, or paused, stops sending
// kLeaseTakeOverAfter - kLeaseValidFor before anyone can take over. Only
// elapsed times on each node's own monotonic clock are compared, never
// two nodes' clocks.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_DELIVERY_LEASE_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_DELIVERY_LEASE_H_

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tools/ledgerd/cluster/lease_record.h"
#include "tools/ledgerd/webhooks/delivery_gate.h"

namespace ledger::cluster {

inline constexpr char kWebhookBucket[] = "LEDGER_WEBHOOKS";
inline constexpr std::chrono::milliseconds kLeaseRenewEvery{1000};
inline constexpr std::chrono::milliseconds kLeaseValidFor{4000};
inline constexpr std::chrono::milliseconds kLeaseTakeOverAfter{8000};

class DeliveryLease final : public ledgerd::DeliveryGate {
 public:
  // REQUIRES: `kv` (the bucket) outlives the lease.
  DeliveryLease(kvStore* kv, int partition, std::string node);

  // Not holding: reads the key and takes the lease if it may (see above).
  // True when this node holds it now; Unavailable when NATS did not
  // answer.
  [[nodiscard]] absl::StatusOr<bool> TryTake();
  // Holding: rewrites the record when the last write is older than
  // kLeaseRenewEvery. False once the lease is lost (taken by another node,
  // or not renewed within kLeaseValidFor).
  [[nodiscard]] bool Renew();
  // Holding: marks the lease free, so another node takes it at once (a
  // clean stop). Its cursors stay.
  void Release();

  bool Holding() const { return holding_.load(); }
  // The cursors of the record as this node took it.
  std::map<std::string, uint64_t> Cursors();

  // DeliveryGate.
  bool MaySend() override;
  bool CursorStored(const std::string& endpoint, uint64_t seq) override;

 private:
  using Clock = std::chrono::steady_clock;
  enum class Written { kDone, kLost, kUnknown };
  // Compare-and-set of `next` on revision_. kUnknown: neither written nor
  // proven lost (NATS did not answer); the lease's validity is not
  // extended.
  Written WriteLocked(const LeaseRecord& next)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Hold(uint64_t revision, const LeaseRecord& record,
            Clock::time_point start) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Lose() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  kvStore* const kv_;
  const int partition_;
  const std::string key_;
  const std::string node_;

  absl::Mutex mu_;  // serializes writes of the key (endpoints, renewal)
  uint64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  LeaseRecord record_ ABSL_GUARDED_BY(mu_);
  Clock::time_point last_write_ ABSL_GUARDED_BY(mu_);
  // What TryTake last saw of another holder, and since when.
  uint64_t seen_revision_ ABSL_GUARDED_BY(mu_) = 0;
  Clock::time_point seen_since_ ABSL_GUARDED_BY(mu_);

  // Read by MaySend without the mutex (it is asked during a POST while an
  // endpoint's cursor write holds mu_).
  std::atomic<bool> holding_{false};
  std::atomic<int64_t> valid_until_ns_{0};  // Clock's time since epoch
};

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_DELIVERY_LEASE_H_
