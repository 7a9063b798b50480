// docs/contract.md section 11 (which replaces section 2): the order in which
// credits leave a customer's lots, and which lots a spending may take from.
#ifndef CREDIT_LEDGER_PROJECTIONS_CONSUMPTION_ORDER_H_
#define CREDIT_LEDGER_PROJECTIONS_CONSUMPTION_ORDER_H_

#include <cstdint>
#include <vector>

#include "ledger/v1/state.pb.h"
#include "ledger/v1/types.pb.h"
#include "projections/ledger_state.h"

namespace ledger {

// The seven categories of docs/contract.md section 4, in its order.
inline constexpr v1::Category kAllCategories[] = {
    v1::AI_PROCESSING,      v1::VOICE_GENERATION,    v1::AUTOMATED_CALL,
    v1::TELEPHONY_USAGE,    v1::CAMPAIGN_EXECUTION,  v1::PHONE_NUMBER_RENTAL,
    v1::REGULATORY_FEE};

// True when the lot has an expiry and it is <= at_us.
bool LotExpiredAt(const v1::LotState& lot, int64_t at_us);

// The lot's priority: the stored one, or kDefaultLotPriority when absent
// (every lot of a ledger written before priorities existed).
int32_t LotPriority(const v1::LotState& lot);

// True when the lot is limited to some categories.
inline bool LotIsScoped(const v1::LotState& lot) {
  return lot.applies_to_size() > 0;
}

// Whether a spending of `category` may take from the lot: an unscoped lot
// applies to every category, a scoped one to those it lists. `category`
// CATEGORY_UNSPECIFIED stands for a hold placed without a category, which
// takes only from lots that apply to every category.
bool LotAppliesTo(const v1::LotState& lot, v1::Category category);

// Every lot of the customer, in consumption order: lower priority first,
// then earliest expires_at (no expiry last), then COMPENSATION,
// PROMOTIONAL, SUBSCRIPTION, PURCHASE, then grant order. Balance queries
// list lots in this order.
std::vector<const v1::LotState*> LotsInConsumptionOrder(
    const CustomerState& customer);

// Available at t (docs/contract.md section 1): remaining over lots not expired
// at at_us, whatever their scope.
int64_t AvailableAt(const CustomerState& customer, int64_t at_us);

// What a spending of `category` could take at at_us: remaining over the
// lots not expired at at_us that apply to it (INSUFFICIENT_CREDITS).
int64_t AvailableFor(const CustomerState& customer, int64_t at_us,
                     v1::Category category);

// True when a lot not expired at at_us is scoped: the balance then lists
// available_by_category.
bool HasScopedLotAt(const CustomerState& customer, int64_t at_us);

// Takes `credits` from the lots not expired at at_us that apply to
// `category`, in consumption order, min(remaining, still needed) from each.
// REQUIRES: AvailableFor(customer, at_us, category) >= credits.
std::vector<v1::Draw> PlanDraws(const CustomerState& customer, int64_t at_us,
                                int64_t credits, v1::Category category);

}  // namespace ledger

#endif  // CREDIT_LEDGER_PROJECTIONS_CONSUMPTION_ORDER_H_
