// docs/contract.md section 5 steps 3 to 7: judges a valid, canonical command
// against the state and, when it is accepted, decides its effects and its
// journal entry. Pure: reads the state, changes nothing. projections/apply.cc
// then folds the decided effects.
#ifndef CREDIT_LEDGER_LEDGER_RULES_DECIDE_H_
#define CREDIT_LEDGER_LEDGER_RULES_DECIDE_H_

#include <cstdint>
#include <string>

#include "ledger/time_util.h"
#include "ledger/v1/event.pb.h"
#include "ledger/v1/types.pb.h"
#include "projections/ledger_state.h"

namespace ledger {

struct Decision {
  bool accepted = false;
  v1::RejectionCode code = v1::REJECTION_CODE_UNSPECIFIED;  // when rejected
  std::string message;                                      // when rejected
  // When accepted (docs/contract.md section 15): the time the command was
  // judged at, the event's, and whether the ledger chose it (the command
  // had no `at`, or was judged at the customer's last time within the skew
  // tolerance) rather than taking the command's own `at`.
  int64_t at_us = 0;
  bool at_chosen = false;
};

// Who issued a command (docs/contract.md section 16): what the rules that
// compare actors read (four eyes), and whether the command was recorded
// before actors and recording times existed.
struct Issuer {
  std::string actor;  // empty: none recorded
  // An event without recorded_at (written before section 16, replayed or
  // imported): judged by the rules it was written under, so a set_policy
  // may repeat a version, as it could then.
  bool before_recording = false;
};

// REQUIRES: ValidateAndCanonicalize(command) succeeded.
// On acceptance fills event->header.at_us and policy_version, event->effects
// and event->postings (balanced per unit); other header fields are the
// caller's. On rejection leaves `event` untouched. `received_at_us` is the
// writer's clock when the command arrived, read only for a command without
// `at` (kNoReceivedTimeUs: none, such a command is INVALID_COMMAND); replay
// gives the event's stored time, which judges the same. `issuer` is who
// sent it; the header's actor and recorded_at_us are the caller's to set.
Decision Decide(const v1::Command& command, const LedgerState& state,
                v1::Event* event, int64_t received_at_us = kNoReceivedTimeUs,
                const Issuer& issuer = {});

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_RULES_DECIDE_H_
