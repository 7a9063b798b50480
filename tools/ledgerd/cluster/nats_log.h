// The cluster's replicated command log on NATS JetStream (docs/cluster.md):
// one stream per partition, LEDGER_P<N> on subject ledger.p<N>.log. A thin
// layer over nats.c that speaks absl::Status and hides its C ownership
// rules; it knows nothing of ledgers.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_NATS_LOG_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_NATS_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nats/nats.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/ledgerd/cluster/replicated_log.h"

namespace ledger::cluster {

// The header that names a published batch, so the node that published it
// can match the batch's results to its waiting clients when it applies it.
inline constexpr char kBatchIdHeader[] = "Ledger-Batch";

// Asynchronous publishes in flight per connection before a publish waits:
// bounds the memory of unacknowledged batches.
inline constexpr int64_t kMaxPendingPublishes = 256;

// How long a publish waits for JetStream's ack (quorum stored) before it
// is reported failed. A stream leader election takes 5-8 s with 2.9.10.
inline constexpr int64_t kPublishAckWaitMs = 5000;

// How long a partition's stream keeps its messages (ledgerd
// --stream-max-age, --stream-max-msgs; docs/cluster.md, "Stream
// retention"). Unset leaves a stream's setting as it is; 0 removes the
// bound. A replica whose next message was dropped must be seeded from a
// backup (PartitionReplica says so).
struct StreamRetention {
  std::optional<absl::Duration> max_age;
  std::optional<int64_t> max_msgs;
};

// Called once per PublishAsync from a nats.c thread: the stream sequence
// the batch got, or why it failed (then it may or may not be in the log).
using AckFn = std::function<void(const std::string& batch_id,
                                 absl::StatusOr<uint64_t> seq)>;

class NatsLog final : public ReplicatedLog {
 public:
  // Connects to any of `urls` and reconnects forever on loss. Unavailable
  // when no server answers.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<NatsLog>> Connect(
      const std::vector<std::string>& urls, const std::string& name,
      AckFn on_ack);
  ~NatsLog() override;
  NatsLog(const NatsLog&) = delete;
  NatsLog& operator=(const NatsLog&) = delete;

  static std::string StreamName(int partition);
  static std::string Subject(int partition);

  // Creates the partition's stream (file storage, `replicas` copies, kept
  // forever unless `retention` bounds it) unless it exists. Retries until `within` has passed: right
  // after a NATS cluster starts there is no meta leader yet.
  // `retention` is applied to a new stream, and to an existing one whose
  // setting differs (a stream update: JetStream drops what the new bound
  // excludes).
  [[nodiscard]] absl::Status EnsureStream(
      int partition, int replicas, absl::Duration within,
      const StreamRetention& retention = StreamRetention());

  // The partition stream's first and last sequence.
  [[nodiscard]] absl::StatusOr<StreamBounds> Bounds(int partition) override;

  // The last sequence stored in the partition's stream (0 when empty).
  [[nodiscard]] absl::StatusOr<uint64_t> LastSeq(int partition) override;

  // Publishes one batch; its AckFn call follows. Unavailable when it could
  // not even be sent (then no AckFn call for it).
  [[nodiscard]] absl::Status PublishAsync(int partition,
                                          const std::string& batch_id,
                                          const std::string& payload) override;

  // Reads a partition's stream in order from a sequence on, through an
  // ordered consumer (a fresh, ephemeral consumer each time).
  class Reader final : public LogReader {
   public:
    ~Reader() override;
    // The next message, or nullopt when none came within `timeout`.
    [[nodiscard]] absl::StatusOr<std::optional<LogMessage>> Next(
        absl::Duration timeout) override;

   private:
    friend class NatsLog;
    natsSubscription* sub_ = nullptr;
  };
  [[nodiscard]] absl::StatusOr<std::unique_ptr<LogReader>> Read(
      int partition, uint64_t from_seq) override;

  natsConnection* connection() const { return nc_; }

 private:
  NatsLog() = default;
  static void OnAck(jsCtx* js, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae,
                    void* closure);
  // Sets `retention` on the stream `si` describes, when it differs.
  [[nodiscard]] absl::Status UpdateRetention(jsStreamInfo* si,
                                             const StreamRetention& retention);

  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  AckFn on_ack_;
};

// An absl::Status for a nats.c status, naming what was being done.
absl::Status FromNats(natsStatus s, const std::string& doing);

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_NATS_LOG_H_
