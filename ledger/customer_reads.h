// One customer's history and past, read from the ledger in `dir` without
// opening it for writing: what Ledger::ReadCustomerEvents and
// GetBalanceAsOf (ledger.h) answer in the process that has it open, for
// `ledgerctl statement --from-seq/--limit` and `balance --as-of`. Each
// reads through the customer index (docs/storage.md, "The customer
// index"), so costs that customer's events, not the log's; on a ledger no
// writer of a build with the index has opened yet the same answers come
// from a scan of the log. Both run beside a live writer (reading what it
// had committed when the read began) and never create `dir`.
//
//   ASSIGN_OR_RETURN(ledger::CustomerEventPage page,
//                    ledger::ReadCustomerEvents("/var/ledger", "c1", 1, 100));
//   for (const ledger::CustomerEvent& e : page.events) { ... }
//   if (page.next_from_seq) { ... ask again from *page.next_from_seq ... }
#ifndef CREDIT_LEDGER_LEDGER_CUSTOMER_READS_H_
#define CREDIT_LEDGER_LEDGER_CUSTOMER_READS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/balance.h"
#include "ledger/ledger.h"

namespace ledger {

// Ledger::ReadCustomerEvents for the ledger in `dir`. Errors as it, and
// NotFound when `dir` holds no ledger, FailedPrecondition when it is not
// one.
[[nodiscard]] absl::StatusOr<CustomerEventPage> ReadCustomerEvents(
    const std::string& dir, const std::string& customer, uint64_t from_seq,
    size_t limit);

// Ledger::GetBalanceAsOf for the ledger in `dir`. Errors as
// ReadCustomerEvents.
[[nodiscard]] absl::StatusOr<Balance> ReadBalanceAsOf(
    const std::string& dir, const std::string& customer, int64_t as_of_us);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_CUSTOMER_READS_H_
