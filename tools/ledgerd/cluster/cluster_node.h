// A ledgerd node of a cluster (docs/contract.md section 10, docs/cluster.md):
// the partitions it hosts (a PartitionReplica each, in DIR/p<N>), the routing
// of each command to its partition, and forwarding to a node that hosts a
// partition this one does not, over NATS request/reply: hosting nodes serve the
// subject ledger.p<N>.rpc in the queue group ledger.p<N>, so NATS itself finds
// a hosting node (and balances between them); no registry to keep.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_NODE_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_NODE_H_

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nats/nats.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "ledger/base/node_folder.h"
#include "ledger/options.h"
#include "absl/synchronization/mutex.h"
#include "tools/ledgerd/cluster/cluster_api.h"
#include "tools/ledgerd/cluster/nats_log.h"
#include "tools/ledgerd/cluster/partition_replica.h"

namespace ledger::cluster {

// The file in a node's folder that marks it as one and records the partition
// count (ledger/base/node_folder.h: ledgerctl reads it to route a command).
inline constexpr const char* kClusterMarkerFile = ::ledger::kNodeMarkerFile;

// Threads that serve requests forwarded by other nodes, and how many may
// wait for one: past it a forwarded request is answered Unavailable.
inline constexpr int kForwardWorkers = 8;
inline constexpr size_t kMaxForwardQueue = 1024;

// A page of events sent to a node serving ReadEvents for a partition it does
// not host: at most this many bytes of events (past the first), well under
// the 1 MB NATS payload a cluster needs (docs/cluster.md), and how long the
// hosting node waits for a new event when a follow stream has read them all.
inline constexpr size_t kMaxEventPageBytes = 512 * 1024;
inline constexpr absl::Duration kEventPageWait = absl::Milliseconds(200);

struct ClusterConfig {
  std::string dir;                     // the node's folder
  std::vector<std::string> nats_urls;  // --nats
  int partitions = 1;                  // --partitions
  std::string node;                    // --node
  std::vector<int> hosted;             // --host-partitions (default: all)
  int replicas = 3;                    // --replicas: copies of each stream
  // --min-free-disk: each partition ledger's Options::min_free_disk_bytes.
  uint64_t min_free_disk_bytes = Options().min_free_disk_bytes;
  // --rejection-retention: each partition ledger's
  // Options::rejection_retention (its refusal journal, docs/audit.md).
  std::chrono::seconds rejection_retention = Options().rejection_retention;
  // --stream-max-age, --stream-max-msgs: the streams' retention.
  StreamRetention retention;
};

class ClusterNode final : public ClusterApi {
 public:
  // Connects to NATS, creates the streams that are missing, opens and
  // starts every hosted partition and serves forwarded requests for them.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ClusterNode>> Start(
      const ClusterConfig& config);
  // Stops serving forwarded requests, stops the partitions (closing their
  // ledgers) and leaves NATS.
  ~ClusterNode() override;

  absl::Status SubmitBatch(const std::vector<v1::Command>& commands,
                           const std::string& actor, absl::Time deadline,
                           std::vector<v1::Result>* results) override;
  absl::Status GetBalance(const v1::GetBalanceRequest& request,
                          absl::Time deadline,
                          v1::GetBalanceResponse* response) override;
  int partitions() const override { return config_.partitions; }
  absl::StatusOr<Ledger*> PartitionLedger(int partition) override;
  absl::StatusOr<std::vector<v1::Event>> ReadEventsPage(
      int partition, uint64_t from_seq, bool wait, absl::Time deadline) override;
  absl::StatusOr<std::vector<v1::Event>> ReadCustomerEventsPage(
      int partition, const std::string& customer, uint64_t from_seq,
      absl::Time deadline) override;
  // In cluster_pages.cc.
  absl::StatusOr<CustomerEventPage> ReadCustomerHistory(
      int partition, const std::string& customer, uint64_t from_seq,
      size_t limit, absl::Time deadline) override;
  absl::StatusOr<CustomerPage> ListCustomersOf(int partition,
                                               const std::string& after,
                                               size_t limit, int64_t at_us,
                                               absl::Time deadline) override;
  absl::StatusOr<PendingRefundPage> PendingRefundsOf(
      int partition, const std::string& after, size_t limit,
      absl::Time deadline) override;
  absl::StatusOr<LiabilityReport> LiabilityOf(int partition, int64_t from_us,
                                              int64_t to_us,
                                              absl::Time deadline) override;

  // For webhook delivery (cluster_webhooks.h): the node's settings, its
  // NATS connection, and its replica of a partition (null when not hosted).
  const ClusterConfig& config() const { return config_; }
  NatsLog& log() { return *log_; }
  PartitionReplica* replica(int partition) {
    return replicas_[partition].get();
  }

  // In cluster_backup.cc.
  absl::Status Backup(const std::string& to,
                      v1::BackupResponse* response) override;
  // The hosted partitions whose replica here is behind the stream's
  // retention (PartitionReplica::Serving), in partition order.
  std::vector<int> PartitionsBehindRetention() const;
  // The partitions hosted here, in order.
  const std::vector<int>& hosted() const { return config_.hosted; }

 private:
  explicit ClusterNode(ClusterConfig config) : config_(std::move(config)) {}
  void RouteAck(const std::string& batch_id, absl::StatusOr<uint64_t> seq);
  // One partition's share of a batch, here or on a hosting node.
  // `received_at_us` is the clock of the node the client sent the batch
  // to, which stamps its commands without `at` (docs/contract.md section
  // 15) and is their recording time; with `actor`, the caller's token name
  // (section 16), it travels with a forwarded batch and into the log.
  absl::StatusOr<std::vector<v1::Result>> SubmitToPartition(
      int partition, std::vector<v1::Command> commands,
      int64_t received_at_us, const std::string& actor, absl::Time deadline);
  absl::StatusOr<std::vector<v1::Result>> SubmitHere(
      PartitionReplica& replica, std::vector<v1::Command> commands,
      int64_t received_at_us, const std::string& actor, absl::Time deadline);
  // A page of `replica`'s events for a forwarded ReadEvents (kMaxEventPageBytes;
  // with request.follow, waits up to kEventPageWait when there is none).
  absl::Status EventsHere(PartitionReplica& replica,
                          const v1::ReadEventsRequest& request,
                          v1::EventPage* page);
  absl::Status BalanceHere(PartitionReplica& replica,
                           const v1::GetBalanceRequest& request,
                           absl::Time deadline,
                           v1::GetBalanceResponse* response);
  // The answer of a hosting node to a forwarded page op ("history",
  // "customers", "refunds", "liability"; cluster_pages.cc) in `out`; false
  // when `op` is none of them.
  bool AnswerPage(const std::string& op, PartitionReplica& replica,
                  int partition, const std::string& body, absl::Status* status,
                  std::string* out);
  // Sends a request to a node hosting `partition`; `op` is "submit",
  // "balance", "events" or a page op. Fills `reply` with the answer's
  // bytes.
  absl::Status Forward(int partition, const char* op, const std::string& body,
                       absl::Time deadline, std::string* reply);
  absl::Status ServeForwarding();
  static void OnForwarded(natsConnection* nc, natsSubscription* sub,
                          natsMsg* msg, void* closure);
  void ForwardWorker();
  void Answer(natsMsg* request);

  const ClusterConfig config_;
  std::unique_ptr<NatsLog> log_;
  // Indexed by partition; null for a partition not hosted here.
  std::vector<std::unique_ptr<PartitionReplica>> replicas_;
  // Held shared while an ack is routed to a replica; exclusively to stop
  // routing before the replicas go away.
  absl::Mutex acks_mu_;
  bool acks_stopped_ ABSL_GUARDED_BY(acks_mu_) = false;

  std::vector<natsSubscription*> forward_subs_;
  absl::Mutex forward_mu_;
  std::deque<natsMsg*> forward_queue_ ABSL_GUARDED_BY(forward_mu_);
  bool forward_stopped_ ABSL_GUARDED_BY(forward_mu_) = false;
  std::vector<std::thread> forward_workers_;
};

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_CLUSTER_NODE_H_
