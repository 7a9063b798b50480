#include "tests/cluster/fake_log.h"

#include <utility>

namespace ledger::cluster::testing {

// Reads one partition from a sequence on, with the faults that were armed
// when it was opened.
class FakeLog::Reader final : public LogReader {
 public:
  Reader(FakeLog* log, int partition, uint64_t from_seq,
         std::optional<uint64_t> skip, std::optional<uint64_t> duplicate,
         std::optional<uint64_t> fail_at)
      : log_(log),
        partition_(partition),
        cursor_(from_seq),
        skip_(skip),
        duplicate_(duplicate),
        fail_at_(fail_at) {}

  absl::StatusOr<std::optional<LogMessage>> Next(
      absl::Duration timeout) override {
    if (again_.has_value()) {
      std::optional<LogMessage> out = std::move(again_);
      again_.reset();
      return out;
    }
    absl::MutexLock lock(&log_->mu_);
    Stream& stream = log_->streams_[partition_];
    auto arrived = [&]() { return stream.last_seq >= cursor_; };
    log_->mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
    if (!arrived()) return std::optional<LogMessage>();
    if (fail_at_.has_value() && cursor_ >= *fail_at_) {
      fail_at_.reset();
      return absl::UnavailableError("the fake consumer was lost");
    }
    // As JetStream does, a reader asked for a dropped message starts at
    // the first one kept.
    auto it = stream.messages.lower_bound(cursor_);
    if (it == stream.messages.end()) return std::optional<LogMessage>();
    if (skip_.has_value() && it->first == *skip_) {
      auto after = std::next(it);
      if (after == stream.messages.end()) return std::optional<LogMessage>();
      skip_.reset();
      it = after;
    }
    cursor_ = it->first + 1;
    if (duplicate_.has_value() && it->first == *duplicate_) {
      duplicate_.reset();
      again_ = it->second;
    }
    return std::optional<LogMessage>(it->second);
  }

 private:
  FakeLog* const log_;
  const int partition_;
  uint64_t cursor_;
  std::optional<uint64_t> skip_;
  std::optional<uint64_t> duplicate_;
  std::optional<uint64_t> fail_at_;
  std::optional<LogMessage> again_;
};

void FakeLog::SetAckTarget(AckFn on_ack) { on_ack_ = std::move(on_ack); }

void FakeLog::SetAutoAck(bool on) {
  absl::MutexLock lock(&mu_);
  auto_ack_ = on;
}

uint64_t FakeLog::StoreLocked(int partition, const std::string& batch_id,
                              const std::string& payload) {
  Stream& stream = streams_[partition];
  const uint64_t seq = ++stream.last_seq;
  stream.messages[seq] = LogMessage{seq, batch_id, payload};
  return seq;
}

bool FakeLog::AckNext(const absl::Status& fail) {
  Pending next;
  absl::StatusOr<uint64_t> seq;
  {
    absl::MutexLock lock(&mu_);
    if (pending_.empty()) return false;
    next = std::move(pending_.front());
    pending_.erase(pending_.begin());
    if (fail.ok()) {
      seq = StoreLocked(next.partition, next.batch_id, next.payload);
    } else {
      seq = fail;
    }
  }
  if (on_ack_) on_ack_(next.batch_id, seq);
  return true;
}

uint64_t FakeLog::Append(int partition, const std::string& payload,
                         const std::string& batch_id) {
  absl::MutexLock lock(&mu_);
  return StoreLocked(partition, batch_id, payload);
}

void FakeLog::DropBefore(int partition, uint64_t first_seq) {
  absl::MutexLock lock(&mu_);
  Stream& stream = streams_[partition];
  stream.messages.erase(stream.messages.begin(),
                        stream.messages.lower_bound(first_seq));
}

void FakeLog::RefuseNextPublish(absl::Status why) {
  absl::MutexLock lock(&mu_);
  refuse_next_ = std::move(why);
}

void FakeLog::SkipOnce(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  skip_ = seq;
}

void FakeLog::DuplicateOnce(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  duplicate_ = seq;
}

void FakeLog::FailReaderAt(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  fail_at_ = seq;
}

std::vector<uint64_t> FakeLog::ReadsFrom() const {
  absl::MutexLock lock(&mu_);
  return reads_;
}

size_t FakeLog::published() const {
  absl::MutexLock lock(&mu_);
  return sent_.size();
}

std::string FakeLog::PublishedPayload(size_t n) const {
  absl::MutexLock lock(&mu_);
  return n < sent_.size() ? sent_[n] : std::string();
}

absl::StatusOr<StreamBounds> FakeLog::Bounds(int partition) {
  absl::MutexLock lock(&mu_);
  const Stream& stream = streams_[partition];
  StreamBounds bounds;
  bounds.last_seq = stream.last_seq;
  bounds.first_seq = stream.messages.empty() ? stream.last_seq + 1
                                             : stream.messages.begin()->first;
  return bounds;
}

absl::StatusOr<uint64_t> FakeLog::LastSeq(int partition) {
  absl::MutexLock lock(&mu_);
  return streams_[partition].last_seq;
}

absl::Status FakeLog::PublishAsync(int partition, const std::string& batch_id,
                                   const std::string& payload) {
  uint64_t seq = 0;
  {
    absl::MutexLock lock(&mu_);
    if (!refuse_next_.ok()) {
      absl::Status why = std::move(refuse_next_);
      refuse_next_ = absl::OkStatus();
      return why;
    }
    sent_.push_back(payload);
    if (!auto_ack_) {
      pending_.push_back(Pending{partition, batch_id, payload});
      return absl::OkStatus();
    }
    seq = StoreLocked(partition, batch_id, payload);
  }
  if (on_ack_) on_ack_(batch_id, seq);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<LogReader>> FakeLog::Read(int partition,
                                                         uint64_t from_seq) {
  absl::MutexLock lock(&mu_);
  reads_.push_back(from_seq);
  auto reader = std::make_unique<Reader>(this, partition, from_seq, skip_,
                                         duplicate_, fail_at_);
  skip_.reset();
  duplicate_.reset();
  fail_at_.reset();
  return std::unique_ptr<LogReader>(std::move(reader));
}

}  // namespace ledger::cluster::testing
