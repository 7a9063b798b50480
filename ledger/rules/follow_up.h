// docs/contract.md section 12: what the ledger decides after every accepted,
// non-duplicate command of a customer, once the command's own effects are
// folded: the crossing rule (balance alerts) and the request rule (automatic
// top-up). Both read the customer's available credits right after the
// command, the very number its result carries, so they are decided on the
// writer's path between folding the command's own effects and storing the
// event, and stored in the event as its last effects. Replay decides them
// again the same way and must find the same effects (audit/replay_fold.cc).
#ifndef CREDIT_LEDGER_LEDGER_RULES_FOLLOW_UP_H_
#define CREDIT_LEDGER_LEDGER_RULES_FOLLOW_UP_H_

#include <cstdint>

#include "google/protobuf/repeated_ptr_field.h"
#include "ledger/v1/event.pb.h"
#include "projections/ledger_state.h"

namespace ledger {

// Appends to `effects` the follow-up effects of a command of `customer`:
// one ThresholdCrossed per threshold the command moved, in the order the
// customer keeps them (credits descending, then code), then a TopUpRequested
// when the request rule makes one. `customer` already holds the command's
// own effects; `available` is its available credits at `at_us`, the
// command's time. Appends nothing when nothing moved. Pure.
void DecideFollowUp(const CustomerState& customer, int64_t available,
                    google::protobuf::RepeatedPtrField<v1::Effect>* effects);

// True for the effect kinds only DecideFollowUp makes.
bool IsFollowUpEffect(const v1::Effect& effect);

// The number of the event's effects that are the command's own: those
// before its first follow-up effect.
int OwnEffectCount(const v1::Event& event);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_RULES_FOLLOW_UP_H_
