// One partition on one node (docs/cluster.md): its own Ledger in
// DIR/p<N>, a publisher that batches the commands of concurrent clients into
// messages of the partition's stream, and an applier that applies the
// stream in order with Ledger::SubmitBatchAt, so the stream sequence of the
// last applied message is stored in the same write as its effects.
//
// Lock protocol: mu_ guards the queue of unpublished requests and the
// batches in flight. The applier is the only writer of the ledger, so
// every replica judges the same commands in the same (stream) order.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_PARTITION_REPLICA_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_PARTITION_REPLICA_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/ledger.h"
#include "tools/ledgerd/cluster/replicated_log.h"

namespace ledger::cluster {

// Bounds on one message of the log. Commands: a SubmitBatch of docs/contract.md
// section 9 (at most 10 000) always fits one message, so a client's batch is
// never split. Bytes: below NATS's default max_payload of 1 MiB.
inline constexpr size_t kMaxCommandsPerMessage = 10000;
inline constexpr size_t kMaxMessageBytes = 900 * 1024;
// Messages published by this node and not yet acknowledged, per partition.
// Few on purpose: while they are in flight the next clients' commands pile
// up and leave in one larger message (group commit, as LedgerImpl does).
inline constexpr int kMaxUnackedMessages = 4;
// The applier applies every message already delivered, up to these bounds,
// in one SubmitBatchAt: one WriteBatch and one sync for all of them (the
// results are those of applying them one by one, since the ledger judges
// commands one at a time in order). Without it each message costs a sync on
// every replica, and the partition's rate is the disk's sync rate.
inline constexpr size_t kMaxMessagesPerApply = 512;
inline constexpr size_t kMaxCommandsPerApply = 20000;
// A reader with nothing to read for this long asks the stream whether it
// missed something (a consumer lost with a NATS node), and reads again.
inline constexpr absl::Duration kStallCheck = absl::Seconds(2);

class PartitionReplica {
 public:
  // Opens the ledger in `dir` (created when missing) and starts applying
  // the partition's stream from the ledger's AppliedPosition() + 1.
  // REQUIRES: `log` outlives the replica.
  // `min_free_disk_bytes` is the ledger's Options::min_free_disk_bytes,
  // `rejection_retention` its Options::rejection_retention (the refusal
  // journal each replica keeps of the rejections it judges).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PartitionReplica>> Start(
      int partition, const std::string& dir, ReplicatedLog* log,
      const std::string& batch_id_prefix, uint64_t min_free_disk_bytes,
      std::chrono::seconds rejection_retention = Options().rejection_retention);
  // Stops both threads and closes the ledger.
  ~PartitionReplica();

  // Publishes `commands` (in order, in one message) and waits until the
  // stream acknowledged the message and this node applied and synced it.
  // Results are this ledger's. Unavailable when the log refused or did not
  // confirm in time (retry with the same keys: keys make it idempotent),
  // or when this node's disk is full (nothing is published then: retry on
  // another node);
  // InvalidArgument when the commands exceed one message; Internal when
  // this replica's store failed.
  // `received_at_us` (the receiving node's clock) goes into the message
  // with every command and stamps those without `at` on every replica;
  // `actor` goes with them too (docs/contract.md section 16): every
  // replica records both in the same event bytes.
  [[nodiscard]] absl::StatusOr<std::vector<SubmitResult>> Submit(
      std::vector<v1::Command> commands, int64_t received_at_us,
      std::string actor, absl::Time deadline);

  // The log's answer to a batch this node published (NatsLog's AckFn).
  void OnAck(const std::string& batch_id, absl::StatusOr<uint64_t> seq);

  // Waits until this replica's ledger holds event `seq`.
  // DeadlineExceeded when it does not by `deadline`.
  [[nodiscard]] absl::Status WaitForSeq(uint64_t seq, absl::Time deadline);

  Ledger& ledger() { return *ledger_; }
  int partition() const { return partition_; }

  // OK while this replica serves its partition. Unavailable once it found
  // that the stream's retention dropped a message it has not applied yet
  // (docs/cluster.md, "Stream retention"): it can never catch up from the
  // stream, so it applies nothing more and answers no write or read (its
  // data would be stale) until it is seeded from a backup of another
  // replica and restarted. The message says so.
  [[nodiscard]] absl::Status Serving() const;
  // Whether Serving() refuses for that reason.
  bool behind_retention() const { return behind_.load(); }

  // Requests waiting for the publisher (not yet in a message). For tests,
  // to know that clients are queued behind the in-flight bound before they
  // release it (tests/cluster/partition_replica_tests.cc).
  size_t queued_requests() const {
    absl::MutexLock lock(&mu_);
    return queue_.size();
  }

 private:
  struct Request {
    std::vector<v1::Command> commands;
    int64_t received_at_us = 0;
    std::string actor;
    std::vector<SubmitResult> results;
    absl::Status status;  // set with failed
    bool acked = false;
    bool applied = false;
    bool failed = false;
    bool Done() const { return failed || (acked && applied); }
  };
  struct Batch {
    std::vector<std::shared_ptr<Request>> requests;
    bool acked = false;
    bool applied = false;
  };

  PartitionReplica(int partition, ReplicatedLog* log, std::string prefix)
      : partition_(partition), log_(log), prefix_(std::move(prefix)) {}
  void PublishLoop();
  void ApplyLoop();
  enum class Applied {
    kDone,
    // This node's disk is full: nothing applied; the applier reads the
    // same messages again later and catches up once there is room.
    kDiskFull,
    kStopped,  // the ledger stopped: the applier ends
  };
  // Applies consecutive messages in one write.
  Applied Apply(const std::vector<LogMessage>& messages);
  void FailBatch(const std::string& id, const absl::Status& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether the stream still holds message `applied` + 1 (or nothing was
  // published past `applied`). When not, marks the replica behind and
  // says so once on stderr. A stream that cannot be asked counts as
  // holding it: the read that follows finds out.
  bool StreamStillHolds(uint64_t applied);

  const int partition_;
  ReplicatedLog* const log_;
  const std::string prefix_;
  std::unique_ptr<Ledger> ledger_;
  std::atomic<bool> stopping_{false};

  mutable absl::Mutex mu_;
  std::deque<std::shared_ptr<Request>> queue_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Batch> batches_ ABSL_GUARDED_BY(mu_);
  int unacked_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_batch_ ABSL_GUARDED_BY(mu_) = 0;
  // Set when the ledger stopped: every later Submit fails with it.
  absl::Status failed_ ABSL_GUARDED_BY(mu_);
  // While the applier finds the disk full (said once on stderr).
  bool disk_full_ ABSL_GUARDED_BY(mu_) = false;
  // Set once the stream's retention dropped a message not applied here
  // (Serving); never cleared: a restart from a backup is the way out.
  std::atomic<bool> behind_{false};
  std::string behind_why_ ABSL_GUARDED_BY(mu_);

  std::thread publisher_;
  std::thread applier_;
};

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_PARTITION_REPLICA_H_
