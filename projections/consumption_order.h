// docs/contract.md section 2: the order in which credits leave a customer's
// lots.
#ifndef CREDIT_LEDGER_PROJECTIONS_CONSUMPTION_ORDER_H_
#define CREDIT_LEDGER_PROJECTIONS_CONSUMPTION_ORDER_H_

#include <cstdint>
#include <vector>

#include "ledger/v1/state.pb.h"
#include "projections/ledger_state.h"

namespace ledger {

// True when the lot has an expiry and it is <= at_us.
bool LotExpiredAt(const v1::LotState& lot, int64_t at_us);

// Every lot of the customer, in consumption order: earliest expires_at first
// (no expiry last), then COMPENSATION, SUBSCRIPTION, PURCHASE, then grant
// order. Balance queries list lots in this order.
std::vector<const v1::LotState*> LotsInConsumptionOrder(
    const CustomerState& customer);

// Available at t (docs/contract.md section 1): remaining over lots not expired
// at at_us.
int64_t AvailableAt(const CustomerState& customer, int64_t at_us);

// Takes `credits` from the lots not expired at at_us, in consumption order,
// min(remaining, still needed) from each. REQUIRES: AvailableAt >= credits.
std::vector<v1::Draw> PlanDraws(const CustomerState& customer, int64_t at_us,
                                int64_t credits);

}  // namespace ledger

#endif  // CREDIT_LEDGER_PROJECTIONS_CONSUMPTION_ORDER_H_
