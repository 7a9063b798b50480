// docs/contract.md section 6: a customer's balance at a time, computed from the
// state alone.
#ifndef CREDIT_LEDGER_PROJECTIONS_BALANCE_H_
#define CREDIT_LEDGER_PROJECTIONS_BALANCE_H_

#include <cstdint>

#include "ledger/balance.h"
#include "projections/ledger_state.h"

namespace ledger {

Balance ComputeBalance(const CustomerState& customer,
                       const PolicyBook& policies, int64_t at_us);

// Cash refunded for `credits` of a lot bought with `amount_minor` for
// `granted` credits: floor(amount_minor * credits / granted), in 128-bit
// arithmetic. REQUIRES: 0 <= credits <= granted, granted > 0.
int64_t ProRataCashMinor(int64_t amount_minor, int64_t credits,
                         int64_t granted);

}  // namespace ledger

#endif  // CREDIT_LEDGER_PROJECTIONS_BALANCE_H_
