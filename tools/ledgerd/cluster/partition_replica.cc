#include "tools/ledgerd/cluster/partition_replica.h"

#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "ledger/options.h"
#include "ledger/time_util.h"
#include "ledger/v1/service.pb.h"
#include "tools/ledgerd/cluster/nats_log.h"

namespace ledger::cluster {
namespace {

// What a client hears when its batch was not confirmed: it may or may not
// be in the log, and a retry with the same keys answers either way.
// What a command costs in a message beyond its own bytes: its tag and
// length (up to 8) and its receiving time, a packed varint (up to 10).
constexpr size_t kFramingBytes = 18;

absl::Status NotConfirmed(absl::string_view why) {
  return absl::UnavailableError(absl::StrCat(
      why, ": the commands may or may not be in the log; retry with the same "
           "keys (they make the retry idempotent)"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PartitionReplica>> PartitionReplica::Start(
    int partition, const std::string& dir, ReplicatedLog* log,
    const std::string& batch_id_prefix, uint64_t min_free_disk_bytes,
    std::chrono::seconds rejection_retention) {
  std::unique_ptr<PartitionReplica> r(new PartitionReplica(
      partition, log, absl::StrCat(batch_id_prefix, ".", partition, ".")));
  Options options;
  options.min_free_disk_bytes = min_free_disk_bytes;
  options.rejection_retention = rejection_retention;
  absl::StatusOr<std::unique_ptr<Ledger>> opened = Ledger::Open(options, dir);
  if (!opened.ok()) return opened.status();
  r->ledger_ = *std::move(opened);
  r->applier_ = std::thread([p = r.get()] { p->ApplyLoop(); });
  r->publisher_ = std::thread([p = r.get()] { p->PublishLoop(); });
  return r;
}

PartitionReplica::~PartitionReplica() {
  stopping_.store(true);
  {
    absl::MutexLock lock(&mu_);  // wakes the publisher's Await
    if (failed_.ok()) failed_ = absl::UnavailableError("ledgerd is stopping");
  }
  if (publisher_.joinable()) publisher_.join();
  if (applier_.joinable()) applier_.join();
  absl::MutexLock lock(&mu_);
  for (auto& [id, batch] : batches_) {
    for (auto& r : batch.requests) {
      if (r->Done()) continue;
      r->failed = true;
      r->status = NotConfirmed("ledgerd stopped before the batch was applied");
    }
  }
  batches_.clear();
  for (auto& r : queue_) {
    r->failed = true;
    r->status = absl::UnavailableError("ledgerd is stopping: retry elsewhere");
  }
  queue_.clear();
  if (ledger_ != nullptr) (void)ledger_->Close();
}

bool PartitionReplica::StreamStillHolds(uint64_t applied) {
  absl::StatusOr<StreamBounds> bounds = log_->Bounds(partition_);
  if (!bounds.ok()) return true;
  if (bounds->last_seq <= applied || bounds->first_seq <= applied + 1) {
    return true;
  }
  absl::MutexLock lock(&mu_);
  behind_why_ = absl::StrCat(
      "partition ", partition_, " on this node has applied its stream ",
      NatsLog::StreamName(partition_), " up to message ", applied,
      ", and the stream now starts at message ", bounds->first_seq,
      " (its retention, --stream-max-age / --stream-max-msgs, dropped the "
      "messages between): this replica cannot catch up and serves nothing "
      "rather than stale data; retry on another node, and seed this one "
      "from a backup of another replica (docs/cluster.md, \"Re-seeding a "
      "node\")");
  std::cerr << "ledgerd: " << behind_why_ << std::endl;
  behind_.store(true);
  return false;
}

absl::Status PartitionReplica::Serving() const {
  if (!behind_.load()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  return absl::UnavailableError(behind_why_);
}

absl::StatusOr<std::vector<SubmitResult>> PartitionReplica::Submit(
    std::vector<v1::Command> commands, int64_t received_at_us,
    std::string actor, absl::Time deadline) {
  // Nothing is published for a replica that would never apply it.
  if (absl::Status serving = Serving(); !serving.ok()) return serving;
  size_t bytes = 0;
  for (const v1::Command& c : commands) bytes += c.ByteSizeLong() + kFramingBytes;
  if (bytes > kMaxMessageBytes || commands.size() > kMaxCommandsPerMessage) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a batch of ", bytes, " bytes for one partition exceeds a cluster "
        "message (", kMaxMessageBytes, " bytes): split it; nothing was applied"));
  }
  // A node whose disk is full publishes nothing it could not apply: the
  // client goes to another replica, which acknowledges in its stead.
  // (CheckWritable also resumes the ledger once there is room.)
  if (absl::Status writable = ledger_->CheckWritable(); IsDiskFull(writable)) {
    return absl::UnavailableError(absl::StrCat(
        "partition ", partition_, " on this node: ", writable.message(),
        "; nothing was published: retry with the same keys on another node"));
  }
  auto request = std::make_shared<Request>();
  request->commands = std::move(commands);
  request->received_at_us = received_at_us;
  request->actor = std::move(actor);
  absl::MutexLock lock(&mu_);
  if (!failed_.ok()) return failed_;
  queue_.push_back(request);
  Request* r = request.get();
  mu_.AwaitWithDeadline(absl::Condition(+[](Request* q) { return q->Done(); }, r),
                        deadline);
  if (r->Done()) {
    if (r->failed) return r->status;
    return std::move(r->results);
  }
  // Still queued: withdraw it, nothing was published.
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->get() == r) {
      queue_.erase(it);
      return absl::DeadlineExceededError(
          "the deadline passed before the batch was published: nothing was done");
    }
  }
  return NotConfirmed("the deadline passed before the batch was applied here");
}

void PartitionReplica::PublishLoop() {
  for (;;) {
    std::string id;
    v1::LogBatch message;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_.load() ||
               (!queue_.empty() && unacked_ < kMaxUnackedMessages);
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(200));
      if (stopping_.load()) return;
      if (!ready()) continue;
      // Every request waiting leaves in this message, up to its bounds; a
      // request is never split.
      Batch batch;
      size_t bytes = 0;
      while (!queue_.empty()) {
        Request& next = *queue_.front();
        size_t next_bytes = 0;
        for (const v1::Command& c : next.commands) next_bytes += c.ByteSizeLong() + kFramingBytes;
        if (!batch.requests.empty() &&
            (bytes + next_bytes > kMaxMessageBytes ||
             message.commands_size() + next.commands.size() >
                 kMaxCommandsPerMessage)) {
          break;
        }
        for (const v1::Command& c : next.commands) {
          *message.add_commands() = c;
          message.add_received_at_us(next.received_at_us);
          message.add_actors(next.actor);
        }
        bytes += next_bytes;
        batch.requests.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      id = absl::StrCat(prefix_, next_batch_++);
      batches_.emplace(id, std::move(batch));
      ++unacked_;
    }
    absl::Status sent =
        log_->PublishAsync(partition_, id, message.SerializeAsString());
    if (!sent.ok()) {
      absl::MutexLock lock(&mu_);
      FailBatch(id, NotConfirmed(sent.message()));
    }
  }
}

void PartitionReplica::FailBatch(const std::string& id,
                                 const absl::Status& why) {
  auto it = batches_.find(id);
  if (it == batches_.end()) return;
  if (!it->second.acked) --unacked_;
  for (auto& r : it->second.requests) {
    if (r->Done()) continue;
    r->failed = true;
    r->status = why;
  }
  batches_.erase(it);
}

void PartitionReplica::OnAck(const std::string& batch_id,
                             absl::StatusOr<uint64_t> seq) {
  absl::MutexLock lock(&mu_);
  if (!seq.ok()) {
    FailBatch(batch_id, NotConfirmed(seq.status().message()));
    return;
  }
  auto it = batches_.find(batch_id);
  if (it == batches_.end()) return;
  Batch& batch = it->second;
  batch.acked = true;
  --unacked_;
  for (auto& r : batch.requests) r->acked = true;
  if (batch.applied) batches_.erase(it);
}

void PartitionReplica::ApplyLoop() {
  std::unique_ptr<LogReader> reader;
  // A message read but left for the next group.
  std::optional<LogMessage> carried;
  absl::Duration idle;
  while (!stopping_.load()) {
    const uint64_t applied = ledger_->AppliedPosition();
    if (behind_.load()) {
      absl::SleepFor(absl::Milliseconds(200));
      continue;
    }
    // Every (re)open of the reader first asks whether the stream still
    // holds the next message: JetStream delivers from its first message
    // when asked for one it dropped, which would skip commands silently.
    if (reader == nullptr && !StreamStillHolds(applied)) continue;
    if (reader == nullptr) {
      absl::StatusOr<std::unique_ptr<LogReader>> opened =
          log_->Read(partition_, applied + 1);
      if (!opened.ok()) {
        absl::SleepFor(absl::Milliseconds(200));
        continue;
      }
      reader = *std::move(opened);
      idle = absl::ZeroDuration();
    }
    // The first message waits; the others of the group are those already
    // delivered (timeout 0). The group's bound counts commands exactly, so
    // a message over it is applied alone, the same way on every replica.
    std::vector<LogMessage> group;
    size_t commands = 0;
    bool reread = false;
    while (group.size() < kMaxMessagesPerApply) {
      std::optional<LogMessage> message = std::move(carried);
      carried.reset();
      if (!message.has_value()) {
        absl::StatusOr<std::optional<LogMessage>> next = reader->Next(
            group.empty() ? absl::Milliseconds(200) : absl::ZeroDuration());
        if (!next.ok()) {
          reread = true;
          break;
        }
        if (!next->has_value()) break;
        message = **std::move(next);
      }
      const uint64_t expected =
          (group.empty() ? applied : group.back().seq) + 1;
      if (message->seq < expected) continue;  // delivered twice
      if (message->seq != expected) {
        std::cerr << "ledgerd: partition " << partition_ << ": message "
                  << message->seq << " when " << expected
                  << " was due, reading again" << std::endl;
        reread = true;
        break;
      }
      v1::SubmitBatchRequest batch;
      const size_t n = batch.ParseFromString(message->payload)
                           ? static_cast<size_t>(batch.commands_size())
                           : 0;
      if (!group.empty() && commands + n > kMaxCommandsPerApply) {
        carried = std::move(message);
        break;
      }
      commands += n;
      group.push_back(*std::move(message));
    }
    if (!group.empty()) {
      idle = absl::ZeroDuration();
      const Applied applied_now = Apply(group);
      if (applied_now == Applied::kStopped) return;
      if (applied_now == Applied::kDiskFull) {
        // Read the same messages again once there is room: the position
        // did not move, so nothing is skipped and nothing applied twice.
        reader.reset();
        carried.reset();
        for (int i = 0; i < 10 && !stopping_.load(); ++i) {
          absl::SleepFor(absl::Milliseconds(100));
        }
        continue;
      }
    }
    if (reread) {
      reader.reset();
      carried.reset();
      absl::SleepFor(absl::Milliseconds(100));
      continue;
    }
    if (!group.empty()) continue;
    idle += absl::Milliseconds(200);
    if (idle < kStallCheck) continue;
    idle = absl::ZeroDuration();
    absl::StatusOr<uint64_t> last = log_->LastSeq(partition_);
    if (last.ok() && *last > applied) reader.reset();  // a lost consumer
  }
}

PartitionReplica::Applied PartitionReplica::Apply(
    const std::vector<LogMessage>& messages) {
  std::vector<v1::Command> commands;
  // The receiving node's clock and actor per command (kNoReceivedTimeUs and
  // none for a message published without them), the same on every replica.
  std::vector<Receipt> receipts;
  // Per message: where its commands start, and why it was refused (OK: not).
  std::vector<size_t> first(messages.size());
  std::vector<absl::Status> refused(messages.size());
  for (size_t m = 0; m < messages.size(); ++m) {
    first[m] = commands.size();
    v1::LogBatch batch;
    if (!batch.ParseFromString(messages[m].payload)) {
      // Skipped the same way on every replica.
      refused[m] = absl::InternalError("a log message that is not a batch");
      continue;
    }
    commands.insert(commands.end(), batch.commands().begin(),
                    batch.commands().end());
    const bool stamped = batch.received_at_us_size() == batch.commands_size();
    const bool named = batch.actors_size() == batch.commands_size();
    for (int i = 0; i < batch.commands_size(); ++i) {
      Receipt& r = receipts.emplace_back();
      r.received_at_us = stamped ? batch.received_at_us(i) : kNoReceivedTimeUs;
      if (named) r.actor = batch.actors(i);
    }
  }
  const uint64_t position = messages.back().seq;
  absl::StatusOr<std::vector<SubmitResult>> results =
      ledger_->SubmitBatchAt(commands, receipts, position);
  if (!results.ok() && absl::IsInvalidArgument(results.status())) {
    // Over the ledger's batch bound: deterministic on every replica, so the
    // messages are skipped everywhere and their position recorded.
    for (absl::Status& r : refused) r = results.status();
    results = ledger_->SubmitBatchAt({}, {}, position);
  }
  absl::MutexLock lock(&mu_);
  if (!results.ok() && IsDiskFull(results.status())) {
    if (!disk_full_) {
      std::cerr << "ledgerd: partition " << partition_
                << ": not applying the stream here: "
                << results.status().message()
                << "; the other replicas go on, and this one catches up from "
                   "the stream once there is room"
                << std::endl;
      disk_full_ = true;
    }
    // This node's callers: their commands are in the log (or will be) and
    // the other replicas apply them; a retry elsewhere answers them.
    for (const LogMessage& m : messages) {
      FailBatch(m.batch_id, absl::UnavailableError(absl::StrCat(
          "partition ", partition_, " on this node: ",
          results.status().message(), "; the commands are in the log and "
          "the other replicas apply them: retry with the same keys on "
          "another node")));
    }
    return Applied::kDiskFull;
  }
  if (disk_full_) {
    std::cerr << "ledgerd: partition " << partition_
              << ": the disk has room again: applying the stream from "
              << messages.front().seq << std::endl;
    disk_full_ = false;
  }
  if (!results.ok()) {
    failed_ = absl::InternalError(absl::StrCat(
        "partition ", partition_, ": the ledger's store failed: ",
        results.status().message(), "; restart ledgerd"));
    std::cerr << "ledgerd: " << failed_.message() << std::endl;
    for (auto& [id, b] : batches_) {
      for (auto& r : b.requests) {
        if (!r->Done()) { r->failed = true; r->status = failed_; }
      }
    }
    return Applied::kStopped;
  }
  for (size_t m = 0; m < messages.size(); ++m) {
    auto it = batches_.find(messages[m].batch_id);
    if (it == batches_.end()) continue;  // another node's, or given up on
    Batch& b = it->second;
    size_t offset = first[m];
    for (auto& r : b.requests) {
      const size_t n = r->commands.size();
      if (!refused[m].ok()) {
        r->failed = true;
        r->status = refused[m];
      } else if (offset + n <= results->size()) {
        r->results.assign(results->begin() + offset,
                          results->begin() + offset + n);
      }
      offset += n;
      r->applied = true;
    }
    b.applied = true;
    if (b.acked) batches_.erase(it);
  }
  return Applied::kDone;
}

absl::Status PartitionReplica::WaitForSeq(uint64_t seq, absl::Time deadline) {
  if (absl::Status serving = Serving(); !serving.ok()) return serving;
  if (ledger_->LastSeq() >= seq) return absl::OkStatus();
  absl::StatusOr<std::unique_ptr<Subscription>> sub = ledger_->Subscribe(seq);
  if (!sub.ok()) return sub.status();
  absl::StatusOr<std::optional<v1::Event>> event = (*sub)->Next(deadline);
  if (!event.ok()) return event.status();
  if (event->has_value() || ledger_->LastSeq() >= seq) return absl::OkStatus();
  return absl::DeadlineExceededError(absl::StrCat(
      "partition ", partition_, " has applied seq ", ledger_->LastSeq(),
      " here, not yet min_seq ", seq, ", within the deadline"));
}

}  // namespace ledger::cluster
