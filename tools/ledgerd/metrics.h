// Prometheus metrics of ledgerd (--metrics ADDR serves them as text at
// /metrics; docs/service.md lists them). Recording is always on and cheap
// (prometheus-cpp's counters are atomics); only serving is optional.
//
// Group commits are observed through the library's
// Options::on_group_committed hook (ObserveGroupCommit).
//
// The label sets every Submit records (its RPC's latency and size, its
// RPC's OK, its command's kind when accepted or a duplicate) are looked up
// in their family once and then kept: prometheus-cpp's Family::Add builds
// a label map, hashes it under the family's lock and, for a histogram,
// builds a whole new histogram before finding the one it has, which was
// about 1.5% of ledgerd's CPU per Submit (docs/benchmarks.md, "The service
// with its clients in another process"). What /metrics shows is unchanged:
// a label set still appears only once first recorded.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_METRICS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_METRICS_H_

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "ledger/options.h"
#include "ledger/v1/command.pb.h"

namespace prometheus {
class Counter;
class Exposer;
class Gauge;
class Registry;
template <typename T> class Family;
class Histogram;
}  // namespace prometheus

namespace ledger::ledgerd {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Serves /metrics on `address` (HOST:PORT, port 0 picks one); returns the
  // port. Unavailable when it cannot listen.
  [[nodiscard]] absl::StatusOr<int> Serve(const std::string& address);

  // ledgerd_commands_total{kind, outcome}: outcome is ACCEPTED, DUPLICATE
  // or the rejection code.
  void CountCommand(const v1::Command& command, const SubmitResult& result);
  // ledgerd_submit_seconds{rpc}: time from the RPC's start to its answer,
  // durable; ledgerd_rpc_commands{rpc}: commands per RPC.
  void ObserveSubmit(std::string_view rpc, double seconds, size_t commands);
  // ledgerd_rpcs_total{rpc, code}: every RPC answered, by gRPC code.
  void CountRpc(std::string_view rpc, std::string_view code);
  // ledgerd_rpcs_in_flight: RPCs being served now.
  void InFlightChanged(int delta);
  // ledgerd_group_commit_commands: commands per group commit (all calls
  // merged into it); ledgerd_group_commit_sync_seconds: its write and sync.
  // Cheap (no label lookup; one uncontended mutex per histogram in
  // prometheus-cpp): it runs on the library's writer
  // thread as Options::on_group_committed.
  void ObserveGroupCommit(const CommitStats& stats);
  // ledgerd_disk_full: 1 while writes are refused for want of disk space
  // (the disk is full, or under --min-free-disk), else 0 (DiskWatch).
  void SetDiskFull(bool full);

  // The registry /metrics serves, for the metrics of parts that register
  // their own families (webhook delivery: webhooks/webhook_metrics.h).
  prometheus::Registry& registry() { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* commands_;
  prometheus::Family<prometheus::Counter>* rpcs_;
  prometheus::Family<prometheus::Histogram>* submit_seconds_;
  prometheus::Family<prometheus::Histogram>* rpc_commands_;
  prometheus::Gauge* in_flight_;
  prometheus::Gauge* disk_full_;
  prometheus::Histogram* group_commands_;
  prometheus::Histogram* group_sync_seconds_;
  std::unique_ptr<prometheus::Exposer> exposer_;

  // The RPCs whose metrics are kept once looked up, by index; others go
  // through their family each time.
  static constexpr std::array<std::string_view, 3> kKeptRpcs = {
      "Submit", "SubmitBatch", "GetBalance"};
  // Field numbers of Command's kinds are below this.
  static constexpr int kKindSlots = 64;
  // Each is null until first recorded, then the family's metric for that
  // label set (the family never moves or drops it).
  std::array<std::atomic<prometheus::Histogram*>, kKeptRpcs.size()>
      kept_submit_seconds_{};
  std::array<std::atomic<prometheus::Histogram*>, kKeptRpcs.size()>
      kept_rpc_commands_{};
  std::array<std::atomic<prometheus::Counter*>, kKeptRpcs.size()> kept_rpcs_ok_{};
  // [kind's field number][0: ACCEPTED, 1: DUPLICATE]
  std::array<std::array<std::atomic<prometheus::Counter*>, 2>, kKindSlots>
      kept_commands_{};
};

// The kind of a command as docs/contract.md section 4 names it ("purchase",
// ...), or "none". Names are read from the descriptor once.
const std::string& CommandKind(const v1::Command& command);

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_METRICS_H_
