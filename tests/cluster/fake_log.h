// An in-memory ReplicatedLog for the cluster's unit tests: one stream per
// partition held in a map, acknowledgements given when the test says (or
// at once), and scripted faults a NATS consumer shows in real life (a
// message skipped, a message delivered twice, a reader that fails, messages
// dropped by retention). No NATS server, no threads of its own.
#ifndef CREDIT_LEDGER_TESTS_CLUSTER_FAKE_LOG_H_
#define CREDIT_LEDGER_TESTS_CLUSTER_FAKE_LOG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tools/ledgerd/cluster/replicated_log.h"

namespace ledger::cluster::testing {

class FakeLog final : public ReplicatedLog {
 public:
  using AckFn = std::function<void(const std::string& batch_id,
                                   absl::StatusOr<uint64_t> seq)>;

  // Where acknowledgements go (PartitionReplica::OnAck in the tests).
  void SetAckTarget(AckFn on_ack);
  // With auto-ack, every publish is stored and acknowledged at once, as a
  // healthy JetStream does; without, publishes wait for AckNext.
  void SetAutoAck(bool on);

  // Stores the oldest publish not yet acknowledged in the stream and
  // acknowledges it with its sequence, or (with `fail`) refuses it.
  // False when none waits.
  bool AckNext(const absl::Status& fail = absl::OkStatus());
  // A message published by another node: stored at once; its sequence.
  uint64_t Append(int partition, const std::string& payload,
                  const std::string& batch_id = "");
  // Retention: the stream keeps messages from `first_seq` on only.
  void DropBefore(int partition, uint64_t first_seq);
  // The next publish is refused with `why` (not sent).
  void RefuseNextPublish(absl::Status why);

  // Faults of the next reader opened: it skips message `seq` (delivers the
  // one after it in its place), delivers `seq` a second time right after
  // itself, or fails once it has delivered everything before `seq`.
  void SkipOnce(uint64_t seq);
  void DuplicateOnce(uint64_t seq);
  void FailReaderAt(uint64_t seq);

  // What happened, for the tests' checks.
  std::vector<uint64_t> ReadsFrom() const;  // from_seq of each Read
  size_t published() const;                 // PublishAsync calls that sent
  // The payload of the n-th publish that was sent (from 0).
  std::string PublishedPayload(size_t n) const;

  absl::StatusOr<StreamBounds> Bounds(int partition) override;
  absl::StatusOr<uint64_t> LastSeq(int partition) override;
  absl::Status PublishAsync(int partition, const std::string& batch_id,
                            const std::string& payload) override;
  absl::StatusOr<std::unique_ptr<LogReader>> Read(int partition,
                                                  uint64_t from_seq) override;

 private:
  class Reader;
  struct Stream {
    std::map<uint64_t, LogMessage> messages;
    uint64_t last_seq = 0;
  };
  struct Pending {
    int partition = 0;
    std::string batch_id;
    std::string payload;
  };
  uint64_t StoreLocked(int partition, const std::string& batch_id,
                       const std::string& payload)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<int, Stream> streams_ ABSL_GUARDED_BY(mu_);
  std::vector<Pending> pending_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> sent_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> reads_ ABSL_GUARDED_BY(mu_);
  bool auto_ack_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status refuse_next_ ABSL_GUARDED_BY(mu_);
  std::optional<uint64_t> skip_ ABSL_GUARDED_BY(mu_);
  std::optional<uint64_t> duplicate_ ABSL_GUARDED_BY(mu_);
  std::optional<uint64_t> fail_at_ ABSL_GUARDED_BY(mu_);
  // Called without mu_ held: the target takes its own lock.
  AckFn on_ack_;
};

}  // namespace ledger::cluster::testing

#endif  // CREDIT_LEDGER_TESTS_CLUSTER_FAKE_LOG_H_
