#include "projections/consumption_order.h"

#include <algorithm>
#include <limits>

#include "ledger/base/check.h"

namespace ledger {
namespace {

// docs/contract.md section 2, second key: COMPENSATION, then SUBSCRIPTION, then
// PURCHASE.
int SourceRank(v1::LotSource source) {
  switch (source) {
    case v1::COMPENSATION:
      return 0;
    case v1::SUBSCRIPTION:
      return 1;
    default:
      return 2;
  }
}

bool ConsumedBefore(const v1::LotState* a, const v1::LotState* b) {
  constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
  int64_t ea = a->has_expires_at_us() ? a->expires_at_us() : kNever;
  int64_t eb = b->has_expires_at_us() ? b->expires_at_us() : kNever;
  if (ea != eb) return ea < eb;
  int ra = SourceRank(a->source());
  int rb = SourceRank(b->source());
  if (ra != rb) return ra < rb;
  return a->grant_index() < b->grant_index();
}

}  // namespace

bool LotExpiredAt(const v1::LotState& lot, int64_t at_us) {
  return lot.has_expires_at_us() && lot.expires_at_us() <= at_us;
}

std::vector<const v1::LotState*> LotsInConsumptionOrder(
    const CustomerState& customer) {
  std::vector<const v1::LotState*> order;
  order.reserve(customer.lots.size());
  for (const v1::LotState& lot : customer.lots) order.push_back(&lot);
  std::sort(order.begin(), order.end(), ConsumedBefore);
  return order;
}

int64_t AvailableAt(const CustomerState& customer, int64_t at_us) {
  int64_t available = 0;
  for (const v1::LotState& lot : customer.lots) {
    if (!LotExpiredAt(lot, at_us)) available += lot.remaining();
  }
  return available;
}

std::vector<v1::Draw> PlanDraws(const CustomerState& customer, int64_t at_us,
                                int64_t credits) {
  std::vector<const v1::LotState*> candidates;
  for (const v1::LotState& lot : customer.lots) {
    if (lot.remaining() > 0 && !LotExpiredAt(lot, at_us)) {
      candidates.push_back(&lot);
    }
  }
  std::sort(candidates.begin(), candidates.end(), ConsumedBefore);
  std::vector<v1::Draw> draws;
  int64_t needed = credits;
  for (const v1::LotState* lot : candidates) {
    if (needed == 0) break;
    int64_t take = std::min(lot->remaining(), needed);
    v1::Draw& draw = draws.emplace_back();
    draw.set_lot_id(lot->lot_id());
    draw.set_credits(take);
    needed -= take;
  }
  LEDGER_CHECK(needed == 0) << "PlanDraws called with " << needed
                            << " credits more than are available";
  return draws;
}

}  // namespace ledger
