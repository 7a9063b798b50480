// Pages of the ledger's lists (docs/http.md): customers in id order and
// the queue of pending refunds, oldest first. Each page is read from one
// snapshot of the store, so it is what one committed group left, and costs
// its own entries, not the whole ledger's: a caller pages through a ledger
// of millions of customers beside a live writer, and every customer that
// existed before the first page and still does is seen exactly once.
#ifndef CREDIT_LEDGER_LEDGER_PAGES_H_
#define CREDIT_LEDGER_LEDGER_PAGES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/stored_state.h"

namespace ledger {

// The most entries one page holds (docs/contract.md section 14), and the
// page a caller gets when it names none.
inline constexpr size_t kMaxPageLimit = 1000;
inline constexpr size_t kDefaultPageLimit = 100;

struct CustomerPage {
  // In customer id order, every one after the page's `after`.
  std::vector<CustomerSummary> customers;
  // The `after` of the next page (the last id of this one), or nullopt
  // when this page reached the end.
  std::optional<std::string> next_after;
};

// One refund waiting for approve_refund or deny_refund.
struct PendingRefund {
  std::string customer;
  std::string refund_id;
  std::string purchase_id;       // the lot refunded
  int64_t credits = 0;           // frozen by the request
  // What approving it pays back: floor(amount_minor * credits / granted)
  // of the purchase, in `currency` (docs/contract.md section 4).
  int64_t cash_minor = 0;
  std::string currency;
  int64_t requested_at_us = 0;   // the request's `at`
  // The purchase's granted_at + the refund window of the policy in force
  // at the request (docs/contract.md section 3): how long the customer had
  // to ask. Approving is not bound by it.
  int64_t window_ends_us = 0;
  // The entry's place in the queue, as the opaque `after` that resumes
  // right after it: pages of several ledgers (a cluster's partitions)
  // merge by it, since every ledger orders its queue alike.
  std::string cursor;
};

struct PendingRefundPage {
  // Oldest request first (then customer, then refund id).
  std::vector<PendingRefund> refunds;
  // The `after` of the next page (an opaque cursor: the hex of the last
  // entry's position in the queue), or nullopt at the end.
  std::optional<std::string> next_after;
};

// ListCustomers's page (ledger.h) of the ledger in `dir`, from outside the
// process that writes it (`ledgerctl customers --after/--limit`): opened
// read-only, or beside a live writer as a secondary (stored_state.h), one
// snapshot, O(limit). Errors as ReadStoredBalance, and InvalidArgument
// for a limit out of range.
[[nodiscard]] absl::StatusOr<CustomerPage> ReadStoredCustomerPage(
    const std::string& dir, const std::string& after, size_t limit,
    int64_t at_us);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_PAGES_H_
