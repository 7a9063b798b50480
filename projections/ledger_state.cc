#include "projections/ledger_state.h"

#include <algorithm>
#include <iterator>

#include "ledger/base/check.h"
#include "ledger/time_util.h"

namespace ledger {

const v1::LotState* CustomerState::FindLot(const std::string& lot_id) const {
  auto it = lot_index.find(lot_id);
  return it == lot_index.end() ? nullptr : &lots[it->second];
}

v1::LotState* CustomerState::FindLot(const std::string& lot_id) {
  auto it = lot_index.find(lot_id);
  return it == lot_index.end() ? nullptr : &lots[it->second];
}

const v1::HoldState* CustomerState::FindHold(const std::string& hold_id) const {
  auto it = holds.find(hold_id);
  return it == holds.end() ? nullptr : &it->second;
}

const v1::UsageState* CustomerState::FindUsage(
    const std::string& usage_id) const {
  auto it = usages.find(usage_id);
  return it == usages.end() ? nullptr : &it->second;
}

const v1::RefundState* CustomerState::FindRefund(
    const std::string& refund_id) const {
  auto it = refunds.find(refund_id);
  return it == refunds.end() ? nullptr : &it->second;
}

int64_t CustomerState::TotalRemaining() const {
  // Each lot is at most 10^15 and the customer at most 10^18 (LIMIT_EXCEEDED),
  // so the sum cannot overflow.
  int64_t total = 0;
  for (const v1::LotState& lot : lots) total += lot.remaining();
  return total;
}

PolicyBook::PolicyBook() {
  default_.set_version(kDefaultPolicyVersion);
  default_.set_refund_window_hours(kDefaultRefundWindowHours);
  default_.set_inquiry_window_hours(kDefaultInquiryWindowHours);
  default_.set_effective_from_us(kMinTimeUs);
}

const v1::PolicyState& PolicyBook::InForceAt(int64_t at_us) const {
  // The last version with effective_from <= at: versions are sorted by
  // effective_from, and of equal ones the later added wins.
  auto it = std::upper_bound(
      versions_.begin(), versions_.end(), at_us,
      [](int64_t t, const v1::PolicyState& p) { return t < p.effective_from_us(); });
  if (it == versions_.begin()) return default_;
  return *std::prev(it);
}

void PolicyBook::Add(const v1::PolicyState& policy) {
  LEDGER_CHECK(versions_.empty() ||
               versions_.back().effective_from_us() <= policy.effective_from_us())
      << "policy effective at " << policy.effective_from_us() << " us added after one at "
      << versions_.back().effective_from_us() << " us";
  versions_.push_back(policy);
}

int64_t PolicyBook::last_set_at_us() const {
  return versions_.empty() ? kMinTimeUs : versions_.back().effective_from_us();
}

const CustomerState* LedgerState::FindCustomer(const std::string& id) const {
  auto it = customers.find(id);
  return it == customers.end() ? nullptr : &it->second;
}

}  // namespace ledger
