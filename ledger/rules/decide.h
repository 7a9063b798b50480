// docs/contract.md section 5 steps 3 to 7: judges a valid, canonical command
// against the state and, when it is accepted, decides its effects and its
// journal entry. Pure: reads the state, changes nothing. projections/apply.cc
// then folds the decided effects.
#ifndef CREDIT_LEDGER_LEDGER_RULES_DECIDE_H_
#define CREDIT_LEDGER_LEDGER_RULES_DECIDE_H_

#include <string>

#include "ledger/v1/event.pb.h"
#include "ledger/v1/types.pb.h"
#include "projections/ledger_state.h"

namespace ledger {

struct Decision {
  bool accepted = false;
  v1::RejectionCode code = v1::REJECTION_CODE_UNSPECIFIED;  // when rejected
  std::string message;                                      // when rejected
};

// REQUIRES: ValidateAndCanonicalize(command) succeeded.
// On acceptance fills event->header.policy_version, event->effects and
// event->postings (balanced per unit); other header fields are the caller's.
// On rejection leaves `event` untouched.
Decision Decide(const v1::Command& command, const LedgerState& state,
                v1::Event* event);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_RULES_DECIDE_H_
