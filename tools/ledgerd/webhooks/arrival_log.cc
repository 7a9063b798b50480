#include "tools/ledgerd/webhooks/arrival_log.h"

#include <algorithm>

namespace ledger::ledgerd {

void ArrivalLog::Record(uint64_t last_seq, absl::Time now) {
  if (!samples_.empty() && last_seq <= samples_.back().first) return;
  samples_.emplace_back(last_seq, now);
  if (samples_.size() > kMaxSamples) samples_.erase(samples_.begin() + 1);
}

absl::Duration ArrivalLog::AgeAfter(uint64_t cursor, absl::Time now) const {
  // The first sample past the cursor saw the event cursor + 1 first (or
  // that event arrived before the sample before it was dropped: older).
  auto first_past = std::upper_bound(
      samples_.begin(), samples_.end(), cursor,
      [](uint64_t c, const std::pair<uint64_t, absl::Time>& sample) {
        return c < sample.first;
      });
  if (first_past == samples_.end()) return absl::ZeroDuration();
  const absl::Time seen = first_past->second;
  return now > seen ? now - seen : absl::ZeroDuration();
}

void ArrivalLog::Forget(uint64_t min_cursor) {
  while (!samples_.empty() && samples_.front().first <= min_cursor) {
    samples_.pop_front();
  }
}

}  // namespace ledger::ledgerd
