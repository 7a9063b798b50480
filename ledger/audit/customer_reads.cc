// The reader side of ledger/customer_reads.h: the store opened read-only
// (a secondary beside a live writer), then the same reads as the Ledger's.
#include "ledger/customer_reads.h"

#include <memory>

#include "ledger/base/status_macros.h"
#include "ledger/storage/customer_index.h"
#include "ledger/storage/store.h"

namespace ledger {

absl::StatusOr<CustomerEventPage> ReadCustomerEvents(
    const std::string& dir, const std::string& customer, uint64_t from_seq,
    size_t limit) {
  RETURN_IF_ERROR(CheckCustomerPageLimit(limit));
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly,
                               /*create_if_missing=*/false));
  return ReadCustomerEventPage(*store, customer, from_seq, limit);
}

absl::StatusOr<Balance> ReadBalanceAsOf(const std::string& dir,
                                        const std::string& customer,
                                        int64_t as_of_us) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly,
                               /*create_if_missing=*/false));
  return CustomerBalanceAsOf(*store, customer, as_of_us);
}

}  // namespace ledger
