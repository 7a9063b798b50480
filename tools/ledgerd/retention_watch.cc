#include "tools/ledgerd/retention_watch.h"

#include <algorithm>
#include <utility>

#include <grpcpp/health_check_service_interface.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"

namespace ledger::ledgerd {

std::string PartitionHealthService(int partition) {
  return absl::StrCat("ledger.v1.LedgerService.p", partition);
}

RetentionWatch::RetentionWatch(std::vector<int> hosted, Behind behind,
                               absl::Duration period,
                               grpc::HealthCheckServiceInterface* health,
                               prometheus::Registry& registry)
    : hosted_(std::move(hosted)),
      behind_(std::move(behind)),
      health_(health) {
  auto& family =
      prometheus::BuildGauge()
          .Name("ledgerd_partition_behind_retention")
          .Help("1 while this node's replica of the partition found its next "
                "stream message dropped by the stream's retention and "
                "serves nothing until seeded from a backup, else 0")
          .Register(registry);
  for (int p : hosted_) {
    gauges_.push_back(&family.Add({{"partition", absl::StrCat(p)}}));
  }
  check_.emplace(period, [this] { CheckOnce(); });
}

void RetentionWatch::CheckOnce() {
  const std::vector<int> behind = behind_();
  for (size_t i = 0; i < hosted_.size(); ++i) {
    const bool is_behind =
        std::find(behind.begin(), behind.end(), hosted_[i]) != behind.end();
    gauges_[i]->Set(is_behind ? 1 : 0);
    health_->SetServingStatus(PartitionHealthService(hosted_[i]), !is_behind);
  }
}

}  // namespace ledger::ledgerd
