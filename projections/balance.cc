#include "projections/balance.h"

#include <limits>
#include <map>

#include "absl/time/time.h"
#include "ledger/base/check.h"
#include "ledger/time_util.h"
#include "projections/consumption_order.h"

namespace ledger {
namespace {

// docs/contract.md section 6: a lot counts toward `refundable` at T when it is
// a purchase, not charged back, not expired at T, has no pending or approved
// refund, and T is within the refund window of the policy in force at T.
bool RefundableAt(const v1::LotState& lot, const PolicyBook& policies,
                  int64_t at_us) {
  if (lot.source() != v1::PURCHASE || lot.charged_back() ||
      !lot.active_refund_id().empty() || LotExpiredAt(lot, at_us)) {
    return false;
  }
  // at_us <= kMaxTimeUs (GetBalance) and windows <= kMaxWindowHours
  // (validation, static_assert in rules_refunds.cc): no overflow.
  const int64_t window_us =
      policies.InForceAt(at_us).refund_window_hours() * kMicrosPerHour;
  return at_us <= lot.granted_at_us() + window_us;
}

constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

// Balance::expiring: the lot's `remaining` counts on the UTC day of its
// expires_at when that falls in (at_us, at_us + horizon]. A lot expired at
// at_us is excluded by the lower bound (expired means expires_at <= at_us).
void AddExpiring(const v1::LotState& lot, int64_t at_us,
                 std::map<int64_t, int64_t>& credits_by_day) {
  if (!lot.has_expires_at_us() || lot.remaining() == 0) return;
  const int64_t expires_us = lot.expires_at_us();
  // at_us <= kMaxTimeUs: GetBalance checks it, other callers pass parsed
  // times.
  static_assert(kMaxTimeUs <= std::numeric_limits<int64_t>::max() -
                                  kExpiringHorizonDays * kMicrosPerDay,
                "a time plus the expiring horizon overflows int64");
  if (expires_us <= at_us ||
      expires_us > at_us + kExpiringHorizonDays * kMicrosPerDay) {
    return;
  }
  LEDGER_CHECK(expires_us >= 0 && lot.remaining() > 0)
      << "lot " << lot.lot_id() << " expires at " << expires_us << " us with "
      << lot.remaining() << " remaining";
  credits_by_day[expires_us / kMicrosPerDay] += lot.remaining();
}

std::vector<ExpiringCredits> ExpiringList(
    const std::map<int64_t, int64_t>& credits_by_day) {
  std::vector<ExpiringCredits> out;
  for (const auto& [day, credits] : credits_by_day) {
    out.push_back(ExpiringCredits{
        absl::FormatTime("%Y-%m-%d", absl::FromUnixMicros(day * kMicrosPerDay),
                         absl::UTCTimeZone()),
        credits});
  }
  return out;
}

// docs/contract.md section 12: the state the customer's header keeps, in
// its own order (credits descending, then code).
void AddAlertsAndTopUp(const v1::CustomerHeader& h, Balance& b) {
  for (const v1::AlertThresholdState& t : h.alerts()) {
    b.alerts.push_back(AlertBalance{t.code(), t.credits(), t.in_alert()});
  }
  if (!h.has_auto_top_up() && !h.has_pending_top_up()) return;
  AutoTopUpBalance& top_up = b.auto_top_up.emplace();
  if (h.has_auto_top_up()) {
    top_up.below = h.auto_top_up().below();
    top_up.target = h.auto_top_up().target();
  }
  if (h.has_pending_top_up()) {
    top_up.pending =
        PendingTopUp{h.pending_top_up().request_id(), h.pending_top_up().credits()};
  }
}

}  // namespace

int64_t ProRataCashMinor(int64_t amount_minor, int64_t credits,
                         int64_t granted) {
  LEDGER_CHECK(granted > 0 && credits >= 0 && credits <= granted)
      << "pro rata of " << credits << " credits out of " << granted << " granted";
  // amount_minor and credits are each at most 10^15: their product needs
  // more than 64 bits.
  __int128 product = static_cast<__int128>(amount_minor) * credits;
  return static_cast<int64_t>(product / granted);
}

Balance ComputeBalance(const CustomerState& customer,
                       const PolicyBook& policies, int64_t at_us) {
  Balance b;
  b.customer = customer.header.customer();
  b.status = customer.header.status();
  b.held = customer.header.held();
  b.refund_pending = customer.header.refund_pending();
  std::map<std::string, int64_t> cash_by_currency;
  std::map<int64_t, int64_t> expiring_by_day;  // day since epoch -> credits
  for (const v1::LotState* lot : LotsInConsumptionOrder(customer)) {
    LotBalance& out = b.lots.emplace_back();
    out.lot_id = lot->lot_id();
    out.source = lot->source();
    out.granted = lot->granted();
    out.remaining = lot->remaining();
    out.granted_at_us = lot->granted_at_us();
    if (lot->has_expires_at_us()) out.expires_at_us = lot->expires_at_us();
    for (int c : lot->applies_to()) {
      out.applies_to.push_back(static_cast<v1::Category>(c));
    }
    out.priority = LotPriority(*lot);
    out.voided = lot->voided();
    if (!LotExpiredAt(*lot, at_us)) b.available += lot->remaining();
    AddExpiring(*lot, at_us, expiring_by_day);
    if (b.status == v1::ACTIVE && RefundableAt(*lot, policies, at_us)) {
      b.refundable_credits += lot->remaining();
      int64_t cash = ProRataCashMinor(lot->amount_minor(), lot->remaining(),
                                      lot->granted());
      if (cash > 0) cash_by_currency[lot->currency()] += cash;
    }
  }
  for (const auto& [currency, amount] : cash_by_currency) {
    b.refundable_cash.push_back(CashAmount{currency, amount});
  }
  if (customer.header.has_subscription()) {
    const v1::SubscriptionState& s = customer.header.subscription();
    b.subscription = SubscriptionBalance{s.plan(), s.period_end_us(), s.cancelled()};
  }
  b.expiring = ExpiringList(expiring_by_day);
  AddAlertsAndTopUp(customer.header, b);
  if (HasScopedLotAt(customer, at_us)) {
    for (v1::Category category : kAllCategories) {
      b.available_by_category.push_back(
          CategoryCredits{category, AvailableFor(customer, at_us, category)});
    }
  }
  return b;
}

}  // namespace ledger
