// Ledger::ReadCustomerEvents and GetBalanceAsOf: one customer's history and
// past, read through the customer index (ledger/storage/customer_index.h)
// from a snapshot of the store, never from the writer's state.
#include "ledger/base/status_macros.h"
#include "ledger/storage/customer_index.h"
#include "ledger/write_path/ledger_impl.h"

namespace ledger {

absl::StatusOr<CustomerEventPage> LedgerImpl::ReadCustomerEvents(
    const std::string& customer, uint64_t from_seq, size_t limit) const {
  // As ReadEvents: Close waits for the read, and a stopped ledger answers
  // nothing. A RocksDB snapshot makes the page consistent; an event is
  // visible once its group's batch is written.
  absl::ReaderMutexLock store_lock(&store_mu_);
  {
    absl::ReaderMutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
  }
  return ReadCustomerEventPage(*store_, customer, from_seq, limit);
}

absl::StatusOr<Balance> LedgerImpl::GetBalanceAsOf(const std::string& customer,
                                                   int64_t as_of_us) const {
  absl::ReaderMutexLock store_lock(&store_mu_);
  {
    absl::ReaderMutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
  }
  return CustomerBalanceAsOf(*store_, customer, as_of_us);
}

}  // namespace ledger
