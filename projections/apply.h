// Folds one event into the state: the single place state changes, used both
// when a command is accepted and when the log is replayed, so the two can
// never disagree about what an event means.
#ifndef CREDIT_LEDGER_PROJECTIONS_APPLY_H_
#define CREDIT_LEDGER_PROJECTIONS_APPLY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ledger/v1/event.pb.h"
#include "projections/ledger_state.h"

namespace ledger {

// The stored entities an event changed, so the writer stores only those.
struct TouchedEntities {
  std::string customer;  // empty for set_policy
  std::vector<std::string> lots;
  std::vector<std::string> holds;
  std::vector<std::string> usages;
  std::vector<std::string> refunds;
  bool policy = false;  // a set_policy added a version
};

// Applies `event` (header, then each effect in order) to `state`. Effects are
// facts already decided: nothing is judged again, but every invariant is
// checked (a lot or a balance never negative, ids exist, a new id is new,
// seq is last_seq + 1) and a broken one fails with DataLoss naming the seq,
// in which case `state` may be partly changed and must be discarded.
// `touched` may be null.
[[nodiscard]] absl::Status ApplyEvent(const v1::Event& event,
                                      LedgerState& state,
                                      TouchedEntities* touched);

// The same for the event's first `effects_end` effects only: the command's
// own effects, before the writer decides the follow-up effects of
// docs/contract.md section 12 from the state they leave (rules/follow_up.h).
[[nodiscard]] absl::Status ApplyEventEffects(const v1::Event& event,
                                             int effects_end, LedgerState& state,
                                             TouchedEntities* touched);

// Folds the effects from index `from` on of a customer's event whose first
// `from` effects ApplyEventEffects folded last. DataLoss as ApplyEvent.
// `touched` is added to, not reset.
[[nodiscard]] absl::Status ApplyFollowUpEffects(const v1::Event& event, int from,
                                                LedgerState& state,
                                                TouchedEntities* touched);

}  // namespace ledger

#endif  // CREDIT_LEDGER_PROJECTIONS_APPLY_H_
