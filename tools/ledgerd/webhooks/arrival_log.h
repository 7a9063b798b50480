// When events reached the ledger, as seen by webhook delivery, for the
// metric "age of the oldest undelivered event". The ledger stores no write
// time (an event's `at` is the command's business time, which a backfill
// sets far in the past), so delivery samples the ledger's last seq now and
// then and remembers when each new seq was first seen: an event's arrival
// is known to within the sampling interval. Events already in the ledger
// when ledgerd starts count as arriving then.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_ARRIVAL_LOG_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_ARRIVAL_LOG_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>

#include "absl/time/time.h"

namespace ledger::ledgerd {

class ArrivalLog {
 public:
  // Samples kept at most; past it the second oldest is dropped, so the
  // oldest arrival stays exact and later ones get coarser (at one sample a
  // second, a day of backlog).
  static constexpr size_t kMaxSamples = 86400;

  // The ledger's last seq was `last_seq` at `now`. Ignored unless it grew.
  void Record(uint64_t last_seq, absl::Time now);

  // How long the event after `cursor` has been in the ledger at `now`:
  // zero when no recorded seq is past `cursor` (caught up).
  absl::Duration AgeAfter(uint64_t cursor, absl::Time now) const;

  // Forgets what no cursor at or past `min_cursor` asks about.
  void Forget(uint64_t min_cursor);

  size_t size() const { return samples_.size(); }

 private:
  // (seq, when first seen), seq increasing.
  std::deque<std::pair<uint64_t, absl::Time>> samples_;
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_ARRIVAL_LOG_H_
