// Reading the log: one reader thread, the fold workers that check and fold
// its batches (each its own customers and keys), progress, and the first
// finding over all workers (ledger/audit/replayer.h).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "ledger/audit/checked_event_stream.h"
#include "ledger/audit/replayer.h"
#include "ledger/base/check.h"
#include "ledger/base/status_macros.h"

namespace ledger {
namespace replay_internal {

// A reader thread scans the log; threads_ workers check its batches
// (CheckedEventStream) and fold them, each its own customers (FoldShard);
// this thread reports progress, then takes the first finding in log order.
absl::Status Replayer::ReplayLog() {
  if (!report_.problem.empty()) return absl::OkStatus();  // the first pass failed
  {
    absl::MutexLock lock(&progress_mu_);
    passed_.assign(static_cast<size_t>(threads_), 0);
  }
  {
    CheckedEventStream stream(
        store_, report_.full ? std::nullopt : std::optional<uint64_t>(target_),
        /*checkers=*/0, /*consumers=*/threads_);
    std::vector<std::jthread> workers;
    for (int w = 0; w < threads_; ++w) {
      workers.emplace_back([this, w, &stream] { Fold(w, stream); });
    }
    if (options_.progress) ReportProgressWhileFolding();
    workers.clear();  // joins them
    RETURN_IF_ERROR(MergeShards());
    if (report_.problem.empty()) RETURN_IF_ERROR(stream.status());
  }
  if (options_.progress) {
    while (progress_reported_ < report_.events) {
      options_.progress(++progress_reported_, target_);
    }
  }
  return absl::OkStatus();
}

// One worker: every event, in log order, through the checks of its share.
void Replayer::Fold(int worker, CheckedEventStream& stream) {
  FoldShard& shard = *shards_[static_cast<size_t>(worker)];
  for (absl::Span<const CheckedEvent> batch = stream.Next(worker);
       !batch.empty(); batch = stream.Next(worker)) {
    bool stop = false;
    for (const CheckedEvent& checked : batch) {
      // Past another worker's finding nothing can come first.
      if (checked.seq > stop_after_.load(std::memory_order_relaxed) ||
          !Consume(worker, shard, checked).ok()) {
        stop = true;
        break;
      }
    }
    absl::MutexLock lock(&progress_mu_);
    passed_[static_cast<size_t>(worker)] = shard.events;
    if (stop) break;
  }
  stream.Leave(worker);
  // A shard that spilled usages puts the rest beside them, so that the
  // comparison with the store reads each customer's usages from one place.
  if (!shard.finding.has_value() && shard.error.ok()) {
    shard.error = shard.usages.SpillAll(shard.state);
  }
  absl::MutexLock lock(&progress_mu_);
  ++workers_done_;
}

// Calls options_.progress for each event every worker has passed: none has
// found a problem in it, so one fold would have folded it.
void Replayer::ReportProgressWhileFolding() {
  while (true) {
    uint64_t passed = 0;
    bool done = false;
    {
      absl::MutexLock lock(&progress_mu_);
      // The condition may be evaluated on a worker's thread: it reads only
      // what the lock guards.
      progress_waits_past_ = progress_reported_;
      auto may_go = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(progress_mu_) {
        return workers_done_ == threads_ ||
               *std::min_element(passed_.begin(), passed_.end()) >
                   progress_waits_past_;
      };
      progress_mu_.Await(absl::Condition(&may_go));
      passed = *std::min_element(passed_.begin(), passed_.end());
      done = workers_done_ == threads_;
    }
    while (progress_reported_ < passed) {
      options_.progress(++progress_reported_, target_);
    }
    if (done) return;
  }
}

// The workers are joined: the first finding in log order is the report's;
// else every worker passed every event, and their key digests and
// customer index digests add up to the log's.
absl::Status Replayer::MergeShards() {
  const Finding* first = nullptr;
  for (const auto& shard : shards_) {
    RETURN_IF_ERROR(shard->error);
  }
  for (const auto& shard : shards_) {
    if (!shard->finding.has_value()) continue;
    const Finding& f = *shard->finding;
    if (first == nullptr || f.seq < first->seq ||
        (f.seq == first->seq && f.stage < first->stage)) {
      first = &f;
    }
  }
  if (first != nullptr) {
    Record(first->seq, first->problem);
    report_.events = first->events;
    last_seq_ = first->last_seq;
    return absl::OkStatus();
  }
  const FoldShard& any = *shards_[0];
  report_.events = any.events;
  last_seq_ = any.last_seq;
  prev_hash_ = any.last_hash;
  for (const auto& shard : shards_) {
    LEDGER_CHECK(shard->events == any.events)
        << "a replay worker stopped early without a finding";
    logged_keys_.Merge(shard->logged_keys);
    logged_customer_events_.Merge(shard->logged_customer_events);
  }
  return absl::OkStatus();
}

}  // namespace replay_internal
}  // namespace ledger
