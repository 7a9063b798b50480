// Ledger::ListCustomers and Ledger::PendingRefunds (ledger.h): pages read
// from one RocksDB snapshot, beside the writer. A snapshot sees whole
// batches only, and a group's batch is visible once its write (and sync)
// returned, so a page never shows a command that is not durable. Like
// ReadEvents they hold store_mu_ shared, so Close waits for them instead
// of closing the store under them, and take none of the writer's locks.
#include <memory>
#include <string>

#include "ledger/storage/paged_reads.h"
#include "ledger/write_path/ledger_impl.h"

namespace ledger {

absl::StatusOr<CustomerPage> LedgerImpl::ListCustomers(const std::string& after,
                                                       size_t limit,
                                                       int64_t at_us) const {
  absl::ReaderMutexLock store_lock(&store_mu_);
  {
    absl::ReaderMutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
  }
  const std::shared_ptr<const rocksdb::Snapshot> snapshot =
      store_->TakeSnapshot();
  return ReadCustomerPage(*store_, snapshot.get(), after, limit, at_us);
}

absl::StatusOr<PendingRefundPage> LedgerImpl::PendingRefunds(
    const std::string& after, size_t limit) const {
  absl::ReaderMutexLock store_lock(&store_mu_);
  {
    absl::ReaderMutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
  }
  const std::shared_ptr<const rocksdb::Snapshot> snapshot =
      store_->TakeSnapshot();
  return ReadPendingRefundPage(*store_, snapshot.get(), after, limit);
}

}  // namespace ledger
