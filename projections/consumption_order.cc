#include "projections/consumption_order.h"

#include <algorithm>
#include <limits>

#include "ledger/balance.h"
#include "ledger/base/check.h"

namespace ledger {
namespace {

// docs/contract.md section 11, third key: COMPENSATION, PROMOTIONAL,
// SUBSCRIPTION, PURCHASE. Free credits go before paid ones, so what a
// customer paid for (and may get back in cash) lasts longest.
int SourceRank(v1::LotSource source) {
  switch (source) {
    case v1::COMPENSATION:
      return 0;
    case v1::PROMOTIONAL:
      return 1;
    case v1::SUBSCRIPTION:
      return 2;
    default:
      return 3;
  }
}

bool ConsumedBefore(const v1::LotState* a, const v1::LotState* b) {
  int32_t pa = LotPriority(*a);
  int32_t pb = LotPriority(*b);
  if (pa != pb) return pa < pb;
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

int32_t LotPriority(const v1::LotState& lot) {
  return lot.has_priority() ? lot.priority() : kDefaultLotPriority;
}

bool LotAppliesTo(const v1::LotState& lot, v1::Category category) {
  if (!LotIsScoped(lot)) return true;
  if (category == v1::CATEGORY_UNSPECIFIED) return false;
  // At most seven entries: a scan beats any set.
  for (int c : lot.applies_to()) {
    if (c == category) return true;
  }
  return false;
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

int64_t AvailableFor(const CustomerState& customer, int64_t at_us,
                     v1::Category category) {
  int64_t available = 0;
  for (const v1::LotState& lot : customer.lots) {
    if (!LotExpiredAt(lot, at_us) && LotAppliesTo(lot, category)) {
      available += lot.remaining();
    }
  }
  return available;
}

bool HasScopedLotAt(const CustomerState& customer, int64_t at_us) {
  for (const v1::LotState& lot : customer.lots) {
    if (LotIsScoped(lot) && !LotExpiredAt(lot, at_us)) return true;
  }
  return false;
}

std::vector<v1::Draw> PlanDraws(const CustomerState& customer, int64_t at_us,
                                int64_t credits, v1::Category category) {
  std::vector<const v1::LotState*> candidates;
  for (const v1::LotState& lot : customer.lots) {
    if (lot.remaining() > 0 && !LotExpiredAt(lot, at_us) &&
        LotAppliesTo(lot, category)) {
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
