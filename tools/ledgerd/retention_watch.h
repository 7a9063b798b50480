// Watches, on a cluster node, the partitions whose replica here found its
// next stream message dropped by the stream's retention (docs/cluster.md,
// "Stream retention"): such a replica serves nothing until it is seeded
// from a backup. Every period each hosted partition's state goes to the
// health service, as the name ledger.v1.LedgerService.p<N> (NOT_SERVING
// while behind), and to the metric ledgerd_partition_behind_retention
// {partition="N"} (1 while behind, else 0).
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_RETENTION_WATCH_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_RETENTION_WATCH_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tools/ledgerd/periodic_check.h"

namespace grpc {
class HealthCheckServiceInterface;
}  // namespace grpc
namespace prometheus {
class Gauge;
class Registry;
}  // namespace prometheus

namespace ledger::ledgerd {

// The health service name of partition `partition` on a cluster node.
std::string PartitionHealthService(int partition);

class RetentionWatch {
 public:
  // The hosted partitions behind the retention now.
  using Behind = std::function<std::vector<int>()>;

  // Checks at once, then every `period` on a thread of its own until
  // destroyed. `health` and `registry` must outlive the watch.
  RetentionWatch(std::vector<int> hosted, Behind behind, absl::Duration period,
                 grpc::HealthCheckServiceInterface* health,
                 prometheus::Registry& registry);
  RetentionWatch(const RetentionWatch&) = delete;
  RetentionWatch& operator=(const RetentionWatch&) = delete;

 private:
  void CheckOnce();

  const std::vector<int> hosted_;
  const Behind behind_;
  grpc::HealthCheckServiceInterface* const health_;
  std::vector<prometheus::Gauge*> gauges_;  // one per hosted partition
  // Started once the gauges exist, last: its checks use the above.
  std::optional<PeriodicCheck> check_;
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_RETENTION_WATCH_H_
