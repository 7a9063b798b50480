#include "tools/ledgerd/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <exception>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"

namespace ledger::ledgerd {
namespace {

// Latency buckets from 0.5 ms (an unsynced write) to 5 s (a slow disk under a
// 10 000-command batch): a sync on the disks we run on is 1-20 ms.
const prometheus::Histogram::BucketBoundaries kSecondsBuckets = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5};
const prometheus::Histogram::BucketBoundaries kCommandsBuckets = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};

std::string OutcomeLabel(const SubmitResult& result) {
  switch (result.outcome) {
    case Outcome::kAccepted: return "ACCEPTED";
    case Outcome::kDuplicate: return "DUPLICATE";
    case Outcome::kRejected: return v1::RejectionCode_Name(result.code);
  }
  return "UNKNOWN";
}

// Index of `rpc` in `kept`, or -1.
template <size_t N>
int KeptIndex(const std::array<std::string_view, N>& kept, std::string_view rpc) {
  for (size_t i = 0; i < N; ++i) {
    if (kept[i] == rpc) return static_cast<int>(i);
  }
  return -1;
}

// The metric kept in `slot`, looked up with `find` the first time. Two
// threads may both look it up: the family gives both the same metric.
template <typename T, typename Find>
T& Kept(std::atomic<T*>& slot, Find find) {
  T* metric = slot.load(std::memory_order_acquire);
  if (metric == nullptr) {
    metric = &find();
    slot.store(metric, std::memory_order_release);
  }
  return *metric;
}

// Command's kinds by field number ("none" for 0, the unset oneof).
std::vector<std::string> KindNames() {
  const google::protobuf::OneofDescriptor* kind =
      v1::Command::descriptor()->FindOneofByName("kind");
  std::vector<std::string> names(1, "none");
  for (int i = 0; i < kind->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = kind->field(i);
    if (static_cast<size_t>(field->number()) >= names.size()) {
      names.resize(field->number() + 1, "none");
    }
    names[field->number()] = field->name();
  }
  return names;
}

}  // namespace

const std::string& CommandKind(const v1::Command& command) {
  static const std::vector<std::string>* const kNames =
      new std::vector<std::string>(KindNames());
  const size_t number = static_cast<size_t>(command.kind_case());
  return number < kNames->size() ? (*kNames)[number] : kNames->front();
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  commands_ = &prometheus::BuildCounter()
                   .Name("ledgerd_commands_total")
                   .Help("Commands judged, by kind and outcome code")
                   .Register(*registry_);
  rpcs_ = &prometheus::BuildCounter()
               .Name("ledgerd_rpcs_total")
               .Help("RPCs answered, by method and gRPC status code")
               .Register(*registry_);
  submit_seconds_ = &prometheus::BuildHistogram()
                         .Name("ledgerd_submit_seconds")
                         .Help("Submit and SubmitBatch latency, to durable")
                         .Register(*registry_);
  rpc_commands_ = &prometheus::BuildHistogram()
                       .Name("ledgerd_rpc_commands")
                       .Help("Commands per Submit or SubmitBatch RPC")
                       .Register(*registry_);
  in_flight_ = &prometheus::BuildGauge()
                    .Name("ledgerd_rpcs_in_flight")
                    .Help("RPCs being served now")
                    .Register(*registry_)
                    .Add({});
  disk_full_ = &prometheus::BuildGauge()
                    .Name("ledgerd_disk_full")
                    .Help("1 while writes are refused for want of disk "
                          "space (full, or under --min-free-disk), else 0")
                    .Register(*registry_)
                    .Add({});
  group_commands_ = &prometheus::BuildHistogram()
                         .Name("ledgerd_group_commit_commands")
                         .Help("Commands per group commit of the ledger "
                               "(one write and one sync)")
                         .Register(*registry_)
                         .Add({}, kCommandsBuckets);
  group_sync_seconds_ = &prometheus::BuildHistogram()
                             .Name("ledgerd_group_commit_sync_seconds")
                             .Help("Write and fsync time of one group commit")
                             .Register(*registry_)
                             .Add({}, kSecondsBuckets);
}

Metrics::~Metrics() = default;

absl::StatusOr<int> Metrics::Serve(const std::string& address) {
  // prometheus-cpp reports a failure to listen only by throwing; this is the
  // one place it is caught and turned into a status.
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
  exposer_->RegisterCollectable(registry_);
  std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

void Metrics::CountCommand(const v1::Command& command,
                           const SubmitResult& result) {
  auto find = [&]() -> prometheus::Counter& {
    return commands_->Add(
        {{"kind", CommandKind(command)}, {"outcome", OutcomeLabel(result)}});
  };
  const int kind = static_cast<int>(command.kind_case());
  if (result.outcome == Outcome::kRejected || kind >= kKindSlots) {
    find().Increment();
    return;
  }
  Kept(kept_commands_[kind][result.outcome == Outcome::kAccepted ? 0 : 1], find)
      .Increment();
}

void Metrics::ObserveSubmit(std::string_view rpc, double seconds,
                            size_t commands) {
  auto find_seconds = [&]() -> prometheus::Histogram& {
    return submit_seconds_->Add({{"rpc", std::string(rpc)}}, kSecondsBuckets);
  };
  auto find_commands = [&]() -> prometheus::Histogram& {
    return rpc_commands_->Add({{"rpc", std::string(rpc)}}, kCommandsBuckets);
  };
  const int kept = KeptIndex(kKeptRpcs, rpc);
  if (kept < 0) {
    find_seconds().Observe(seconds);
    find_commands().Observe(static_cast<double>(commands));
    return;
  }
  Kept(kept_submit_seconds_[kept], find_seconds).Observe(seconds);
  Kept(kept_rpc_commands_[kept], find_commands)
      .Observe(static_cast<double>(commands));
}

void Metrics::CountRpc(std::string_view rpc, std::string_view code) {
  auto find = [&]() -> prometheus::Counter& {
    return rpcs_->Add({{"rpc", std::string(rpc)}, {"code", std::string(code)}});
  };
  const int kept = KeptIndex(kKeptRpcs, rpc);
  if (kept < 0 || code != "OK") {
    find().Increment();
    return;
  }
  Kept(kept_rpcs_ok_[kept], find).Increment();
}

void Metrics::InFlightChanged(int delta) { in_flight_->Increment(delta); }

void Metrics::ObserveGroupCommit(const CommitStats& stats) {
  group_commands_->Observe(static_cast<double>(stats.commands));
  group_sync_seconds_->Observe(
      std::chrono::duration<double>(stats.write_duration).count());
}

void Metrics::SetDiskFull(bool full) { disk_full_->Set(full ? 1 : 0); }

}  // namespace ledger::ledgerd
