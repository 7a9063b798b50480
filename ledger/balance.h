// The answer of a balance query (docs/contract.md section 6): plain data, with
// no behaviour, so that the pure folds of projections/ can build it without
// knowing the rest of the library. Ledger::GetBalance (ledger.h) and
// BalanceAsOfSeq (replay.h) return it.
#ifndef CREDIT_LEDGER_LEDGER_BALANCE_H_
#define CREDIT_LEDGER_LEDGER_BALANCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/v1/types.pb.h"

namespace ledger {

// docs/contract.md section 11: a lot's priority when none was given, and
// the range a command may give (lower is spent first).
inline constexpr int32_t kDefaultLotPriority = 50;
inline constexpr int32_t kMaxLotPriority = 100;

struct LotBalance {
  std::string lot_id;
  v1::LotSource source = v1::LOT_SOURCE_UNSPECIFIED;
  int64_t granted = 0;
  int64_t remaining = 0;
  int64_t granted_at_us = 0;
  std::optional<int64_t> expires_at_us;
  // The categories the lot pays for, in the contract's order; empty for
  // every category (docs/contract.md section 11).
  std::vector<v1::Category> applies_to;
  int32_t priority = kDefaultLotPriority;
  bool voided = false;  // taken back by void_grant
};

// What a use of one category could spend (Balance::available_by_category).
struct CategoryCredits {
  v1::Category category = v1::CATEGORY_UNSPECIFIED;
  int64_t credits = 0;
};

struct CashAmount {
  std::string currency;
  int64_t amount_minor = 0;
};

struct SubscriptionBalance {
  std::string plan;
  int64_t period_end_us = 0;
  bool cancelled = false;
};

// Credits that expire on one UTC day (Balance::expiring).
struct ExpiringCredits {
  std::string date;  // the UTC day, "2026-03-09"
  int64_t credits = 0;
};

// docs/contract.md section 12: one balance alert threshold and its state.
struct AlertBalance {
  std::string code;
  int64_t credits = 0;
  bool in_alert = false;
};

// docs/contract.md section 12: a pending top-up request.
struct PendingTopUp {
  std::string request_id;
  int64_t credits = 0;
};

// docs/contract.md section 12: automatic top-up, shown while it is on or a
// request is pending.
struct AutoTopUpBalance {
  std::optional<int64_t> below;   // while on
  std::optional<int64_t> target;  // while on
  std::optional<PendingTopUp> pending;
};

// How far ahead Balance::expiring looks.
inline constexpr int64_t kExpiringHorizonDays = 30;

// docs/contract.md section 6: a customer's balance at a time.
struct Balance {
  std::string customer;
  v1::CustomerStatus status = v1::CUSTOMER_STATUS_UNSPECIFIED;
  int64_t available = 0;
  int64_t held = 0;
  int64_t refund_pending = 0;
  std::vector<LotBalance> lots;  // in consumption order
  int64_t refundable_credits = 0;
  std::vector<CashAmount> refundable_cash;  // sorted by currency
  std::optional<SubscriptionBalance> subscription;
  // Credits that will expire per UTC day, over (T, T + kExpiringHorizonDays
  // days]: the `remaining` of each lot not expired at T whose expires_at falls
  // in that window, summed per day of expires_at; only days with credits,
  // earliest first. Credits in a pending hold or a pending refund are not
  // counted: they are not in the lot at T (docs/contract.md section 1), and
  // count again once a release, a capture's rest or a denial returns them to
  // the lot.
  std::vector<ExpiringCredits> expiring;
  // docs/contract.md section 11: when a lot not expired at T is scoped,
  // every category (in the contract's order) with the credits a `use` of it
  // could spend at T; empty otherwise. `available` stays the sum over all
  // lots.
  std::vector<CategoryCredits> available_by_category;
  // docs/contract.md section 12: the thresholds, credits descending then
  // code, with their state as of the customer's last command (time alone
  // moves none); empty when there are none.
  std::vector<AlertBalance> alerts;
  // Absent while automatic top-up is off and no request is pending.
  std::optional<AutoTopUpBalance> auto_top_up;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_BALANCE_H_
