// The journal entry of an event (docs/accounting.md), derived from its
// effects alone: every effect that moves credits or money debits one account
// and credits another by the same amount in the same unit, so each entry
// balances per unit by construction.
#ifndef CREDIT_LEDGER_LEDGER_RULES_POSTINGS_H_
#define CREDIT_LEDGER_LEDGER_RULES_POSTINGS_H_

#include <optional>
#include <string_view>

#include "google/protobuf/repeated_ptr_field.h"
#include "ledger/v1/event.pb.h"

namespace ledger {

inline constexpr char kCreditsUnit[] = "CREDITS";

// The postings of `effects`, merged per (account, unit) in the order each
// pair first appears, with zero amounts left out.
google::protobuf::RepeatedPtrField<v1::Posting> PostingsFor(
    const google::protobuf::RepeatedPtrField<v1::Effect>& effects);

// The first unit, in the order units first appear, whose postings do not
// sum to zero; nullopt when the entry balances in every unit. The one
// balance check of the ledger: the write path checks every entry it makes
// (PostingsFor) and the audit every entry it reads (event_check.cc). Sums
// are 128-bit, so stored postings of any int64 amounts cannot overflow them.
// The view points into `postings`.
std::optional<std::string_view> FirstUnbalancedUnit(
    const google::protobuf::RepeatedPtrField<v1::Posting>& postings);

// True when the postings sum to zero in every unit.
inline bool PostingsBalance(
    const google::protobuf::RepeatedPtrField<v1::Posting>& postings) {
  return !FirstUnbalancedUnit(postings).has_value();
}

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_RULES_POSTINGS_H_
