// The journal entry of an event (docs/accounting.md), derived from its
// effects alone: every effect that moves credits or money debits one account
// and credits another by the same amount in the same unit, so each entry
// balances per unit by construction.
#ifndef CREDIT_LEDGER_LEDGER_RULES_POSTINGS_H_
#define CREDIT_LEDGER_LEDGER_RULES_POSTINGS_H_

#include "google/protobuf/repeated_ptr_field.h"
#include "ledger/v1/event.pb.h"

namespace ledger {

inline constexpr char kCreditsUnit[] = "CREDITS";

// The postings of `effects`, merged per (account, unit) in the order each
// pair first appears, with zero amounts left out.
google::protobuf::RepeatedPtrField<v1::Posting> PostingsFor(
    const google::protobuf::RepeatedPtrField<v1::Effect>& effects);

// True when the postings sum to zero in every unit.
bool PostingsBalance(const google::protobuf::RepeatedPtrField<v1::Posting>& postings);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_RULES_POSTINGS_H_
