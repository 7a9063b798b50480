#include "ledger/audit/checked_event_stream.h"

#include <string>
#include <string_view>
#include <utility>

#include "google/protobuf/arena.h"
#include "ledger/base/check.h"
#include "ledger/base/sha256.h"

namespace ledger {
namespace {

// Stops the scan once the limit is reached or the caller went away.
absl::Status StopReading() { return absl::CancelledError("stop reading"); }

}  // namespace

// Events as stored, copied out of the scan (RocksDB's slices live only until
// the iterator moves), then checked. Every event's check needs only its own
// bytes and the stored hash of the event before it, which the batch keeps
// for its first event, so batches are checked independently.
struct CheckedEventStream::Batch {
  enum class Phase { kRead, kChecking, kChecked };

  Phase phase = Phase::kRead;
  uint64_t first_seq = 0;  // the seq the first event should have
  std::string prev_hash;   // the stored hash of the event before the first
  std::string bytes;       // keys and values back to back
  // Offsets into `bytes` (which grows while the batch is read).
  std::vector<std::pair<size_t, size_t>> keys;
  std::vector<std::pair<size_t, size_t>> values;
  // The parsed events and what their checks build; reset, keeping its
  // blocks, each time the batch is reused, so checking allocates nothing
  // once the first batches have grown their blocks.
  google::protobuf::Arena arena;
  std::vector<CheckedEvent> checked;

  void Clear() {
    phase = Phase::kRead;
    bytes.clear();
    keys.clear();
    values.clear();
  }
  std::string_view Slice(std::pair<size_t, size_t> at) const {
    return std::string_view(bytes).substr(at.first, at.second);
  }
};

CheckedEventStream::CheckedEventStream(const Store& store,
                                       std::optional<uint64_t> limit,
                                       int checkers, int consumers)
    : store_(store), limit_(limit) {
  LEDGER_CHECK(checkers >= 0) << "CheckedEventStream: negative checker count "
                              << checkers;
  LEDGER_CHECK(consumers >= 1 && consumers <= kMaxConsumers)
      << "CheckedEventStream needs 1 to " << kMaxConsumers << " consumers, got "
      << consumers;
  {
    absl::MutexLock lock(&mu_);
    // One more batch per consumer than kBatches: each holds one while it
    // folds, and the reader still has batches to fill ahead of them.
    for (size_t i = 0; i < kBatches + static_cast<size_t>(consumers); ++i) {
      batches_.push_back(std::make_unique<Batch>());
      free_.push_back(batches_.back().get());
    }
    consumers_.resize(static_cast<size_t>(consumers));
  }
  reader_ = std::thread([this] { Read(); });
  for (int i = 0; i < checkers; ++i) {
    checkers_.emplace_back([this] { Check(); });
  }
}

CheckedEventStream::~CheckedEventStream() {
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  reader_.join();
  for (std::thread& checker : checkers_) checker.join();
}

bool CheckedEventStream::ReaderMayTake() const {
  return stopped_ || !free_.empty();
}

// Waits for a batch to fill; null when the stream was stopped.
CheckedEventStream::Batch* CheckedEventStream::TakeFreeBatch() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &CheckedEventStream::ReaderMayTake));
  if (stopped_) return nullptr;
  Batch* batch = free_.back();
  free_.pop_back();
  return batch;
}

void CheckedEventStream::Read() {
  std::string prev_hash(kHashBytes, '\0');  // seq 1 follows the zero hash
  uint64_t next_seq = 1;
  Batch* batch = nullptr;
  auto publish = [&] {
    absl::MutexLock lock(&mu_);
    in_order_.push_back(batch);
    batch = nullptr;
  };
  absl::Status scanned = store_.ForEachEvent(
      1, [&](std::string_view key, std::string_view value) {
        if (limit_.has_value() && next_seq > *limit_) return StopReading();
        if (batch == nullptr) {
          batch = TakeFreeBatch();
          if (batch == nullptr) return StopReading();
          batch->Clear();
          batch->first_seq = next_seq;
          batch->prev_hash = prev_hash;
        }
        batch->keys.emplace_back(batch->bytes.size(), key.size());
        batch->bytes.append(key);
        batch->values.emplace_back(batch->bytes.size(), value.size());
        batch->bytes.append(value);
        // Unchecked: if these bytes are not the hash, this event's own check
        // fails and the consumers stop before the next one matters.
        prev_hash.assign(value.substr(0, kHashBytes));
        ++next_seq;
        if (batch->keys.size() == kBatchEvents) publish();
        return absl::OkStatus();
      });
  if (batch != nullptr) publish();
  absl::MutexLock lock(&mu_);
  read_all_ = true;
  if (!absl::IsCancelled(scanned)) status_ = std::move(scanned);
}

CheckedEventStream::Batch* CheckedEventStream::NextToCheck() const {
  for (Batch* batch : in_order_) {
    if (batch->phase == Batch::Phase::kRead) return batch;
  }
  return nullptr;
}

bool CheckedEventStream::CheckerMayGo() const {
  return stopped_ || read_all_ || NextToCheck() != nullptr;
}

// Runs the checks of every event of `batch`, without the lock: the batch is
// kChecking, so no one else touches it.
void CheckedEventStream::CheckBatch(Batch* batch) {
  batch->checked.clear();
  batch->arena.Reset();
  std::string_view prev_hash = batch->prev_hash;
  for (size_t i = 0; i < batch->keys.size(); ++i) {
    std::string_view value = batch->Slice(batch->values[i]);
    batch->checked.push_back(CheckStoredEvent(batch->Slice(batch->keys[i]),
                                              value, batch->first_seq + i,
                                              prev_hash, &batch->arena));
    prev_hash = value.substr(0, kHashBytes);
  }
}

void CheckedEventStream::Check() {
  while (true) {
    Batch* batch = nullptr;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &CheckedEventStream::CheckerMayGo));
      if (stopped_) return;
      batch = NextToCheck();
      if (batch == nullptr) return;  // read_all_, and nothing left to check
      batch->phase = Batch::Phase::kChecking;
    }
    CheckBatch(batch);
    absl::MutexLock lock(&mu_);
    batch->phase = Batch::Phase::kChecked;
  }
}

CheckedEventStream::Batch* CheckedEventStream::BatchNumbered(
    uint64_t number) const {
  if (number < first_number_ || number - first_number_ >= in_order_.size()) {
    return nullptr;
  }
  return in_order_[number - first_number_];
}

// A consumer may go on when its next batch is checked, when there is a batch
// to check, or when it has had every batch there will be.
bool CheckedEventStream::ConsumerMayGo(Waiter* waiter) {  // Await holds mu_
  CheckedEventStream& s = *waiter->stream;
  if (s.stopped_ || s.NextToCheck() != nullptr) return true;
  Batch* mine = s.BatchNumbered(s.consumers_[waiter->consumer].next);
  if (mine != nullptr) return mine->phase == Batch::Phase::kChecked;
  return s.read_all_;
}

void CheckedEventStream::Release(Consumer& consumer) {
  consumer.held = nullptr;
  FreeDoneBatches();
}

// Batches leave in log order: every consumer takes them in that order, so
// the front one is the first that all are done with.
void CheckedEventStream::FreeDoneBatches() {
  while (!in_order_.empty()) {
    Batch* front = in_order_.front();
    for (const Consumer& c : consumers_) {
      if (!c.left && (c.next <= first_number_ || c.held == front)) return;
    }
    in_order_.pop_front();
    ++first_number_;
    free_.push_back(front);
  }
}

absl::Span<const CheckedEvent> CheckedEventStream::Next(int consumer) {
  absl::MutexLock lock(&mu_);
  Consumer& me = consumers_[static_cast<size_t>(consumer)];
  LEDGER_CHECK(!me.left) << "consumer " << consumer << " left the stream";
  Release(me);
  Waiter waiter{this, consumer};
  while (true) {
    mu_.Await(absl::Condition(&CheckedEventStream::ConsumerMayGo, &waiter));
    Batch* mine = BatchNumbered(me.next);
    if (mine != nullptr && mine->phase == Batch::Phase::kChecked) {
      me.held = mine;
      ++me.next;
      return mine->checked;
    }
    if (stopped_) return {};
    // Rather than wait for its batch, check the earliest unchecked one
    // (most often its own).
    Batch* to_check = NextToCheck();
    if (to_check != nullptr) {
      to_check->phase = Batch::Phase::kChecking;
      mu_.Unlock();
      CheckBatch(to_check);
      mu_.Lock();
      to_check->phase = Batch::Phase::kChecked;
      continue;
    }
    if (mine == nullptr && read_all_) return {};
  }
}

void CheckedEventStream::Leave(int consumer) {
  absl::MutexLock lock(&mu_);
  Consumer& me = consumers_[static_cast<size_t>(consumer)];
  if (me.left) return;
  me.left = true;
  me.held = nullptr;
  if (++consumers_left_ == static_cast<int>(consumers_.size())) stopped_ = true;
  FreeDoneBatches();
}

absl::Status CheckedEventStream::status() {
  absl::MutexLock lock(&mu_);
  return status_;
}

}  // namespace ledger
