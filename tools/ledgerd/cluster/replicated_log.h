// What a partition replica needs of the cluster's command log
// (docs/cluster.md): publish a batch, read the stream in order from a
// sequence, and ask where the stream starts and ends. NatsLog is the one
// implementation ledgerd runs; the cluster's unit tests
// (tests/cluster/partition_replica_tests.cc) put an in-memory log in its
// place, so the applier and the publisher are tested without a NATS server.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_REPLICATED_LOG_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_REPLICATED_LOG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ledger::cluster {

// One message read back from a partition's stream.
struct LogMessage {
  uint64_t seq = 0;      // its sequence in the partition's stream
  std::string batch_id;  // the id it was published with; empty when none
  std::string payload;
};

// Where a partition's stream starts and ends.
struct StreamBounds {
  uint64_t first_seq = 0;  // the oldest message kept; last_seq + 1 when none
  uint64_t last_seq = 0;   // the last message stored; 0 when never any
};

// Reads one partition's stream in order from a sequence on.
class LogReader {
 public:
  virtual ~LogReader() = default;
  // The next message, or nullopt when none came within `timeout`. A
  // message may come twice or out of turn after a consumer was lost: the
  // caller checks its seq.
  [[nodiscard]] virtual absl::StatusOr<std::optional<LogMessage>> Next(
      absl::Duration timeout) = 0;
};

class ReplicatedLog {
 public:
  virtual ~ReplicatedLog() = default;

  // The partition stream's first and last sequence.
  [[nodiscard]] virtual absl::StatusOr<StreamBounds> Bounds(int partition) = 0;

  // The last sequence stored in the partition's stream (0 when empty).
  [[nodiscard]] virtual absl::StatusOr<uint64_t> LastSeq(int partition) = 0;

  // Publishes one batch; the log's acknowledgement (the sequence it got, or
  // why it failed) follows later, on another thread, through the callback
  // the implementation was built with. Unavailable when it could not even
  // be sent (then no acknowledgement follows).
  [[nodiscard]] virtual absl::Status PublishAsync(
      int partition, const std::string& batch_id,
      const std::string& payload) = 0;

  // A reader of the partition's stream from `from_seq` on (a fresh one each
  // time: reopening is how a replica recovers from a gap or a lost reader).
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<LogReader>> Read(
      int partition, uint64_t from_seq) = 0;
};

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_REPLICATED_LOG_H_
