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
                                       int checkers)
    : store_(store), limit_(limit) {
  LEDGER_CHECK(checkers >= 1) << "CheckedEventStream needs at least one checker thread, got "
                              << checkers;
  for (size_t i = 0; i < kBatches; ++i) {
    batches_.push_back(std::make_unique<Batch>());
    free_.push_back(batches_.back().get());
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

// Waits for a batch to fill; null when the caller stopped the stream.
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
        // fails and the caller stops before the next one matters.
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
    absl::MutexLock lock(&mu_);
    batch->phase = Batch::Phase::kChecked;
  }
}

bool CheckedEventStream::CallerMayGo() const {
  if (in_order_.empty()) return read_all_;
  return in_order_.front()->phase == Batch::Phase::kChecked;
}

absl::Span<const CheckedEvent> CheckedEventStream::Next() {
  absl::MutexLock lock(&mu_);
  if (held_ != nullptr) {
    free_.push_back(held_);
    held_ = nullptr;
  }
  mu_.Await(absl::Condition(this, &CheckedEventStream::CallerMayGo));
  if (in_order_.empty()) return {};
  held_ = in_order_.front();
  in_order_.pop_front();
  return held_->checked;
}

absl::Status CheckedEventStream::status() {
  absl::MutexLock lock(&mu_);
  return status_;
}

}  // namespace ledger
