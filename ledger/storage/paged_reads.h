// The pages of ledger/pages.h, read from a Store through one snapshot: the
// Ledger's ListCustomers and PendingRefunds (in the writing process) and
// ledgerctl's `customers --after` (beside it) share this code, so both
// print the same page.
#ifndef CREDIT_LEDGER_LEDGER_STORAGE_PAGED_READS_H_
#define CREDIT_LEDGER_LEDGER_STORAGE_PAGED_READS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/pages.h"
#include "ledger/storage/store.h"

namespace ledger {

// Customers with ids after `after` ("" : from the first), at most `limit`
// (1..kMaxPageLimit), with status and available credits at `at_us`. Reads
// the policy versions, then per customer its header and lots, never its
// usages: O(limit). InvalidArgument for a limit or time out of range.
[[nodiscard]] absl::StatusOr<CustomerPage> ReadCustomerPage(
    const Store& store, const rocksdb::Snapshot* snapshot,
    std::string_view after, size_t limit, int64_t at_us);

// The pending-refund queue from after the cursor `after` ("" : from the
// oldest), at most `limit` entries, each with its refund and purchase.
// NotFound when the ledger has no queue yet (a reader of a ledger no build
// with the queue opened for writing); InvalidArgument for a cursor that is
// not one this function gave, or a limit out of range; DataLoss when an
// entry names a refund or purchase the store does not hold.
[[nodiscard]] absl::StatusOr<PendingRefundPage> ReadPendingRefundPage(
    const Store& store, const rocksdb::Snapshot* snapshot,
    std::string_view after, size_t limit);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_STORAGE_PAGED_READS_H_
