// ReadStoredCustomerPage (ledger/pages.h): the page Ledger::ListCustomers
// gives, read by a tool beside (or without) the writing process, through
// the same ReadCustomerPage.
#include <memory>
#include <string>

#include "ledger/base/status_macros.h"
#include "ledger/pages.h"
#include "ledger/storage/paged_reads.h"
#include "ledger/storage/store.h"

namespace ledger {

absl::StatusOr<CustomerPage> ReadStoredCustomerPage(const std::string& dir,
                                                    const std::string& after,
                                                    size_t limit,
                                                    int64_t at_us) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  absl::StatusOr<CustomerPage> page;
  {
    const std::shared_ptr<const rocksdb::Snapshot> snapshot =
        store->TakeSnapshot();
    page = ReadCustomerPage(*store, snapshot.get(), after, limit, at_us);
  }
  RETURN_IF_ERROR(store->Close());
  return page;
}

}  // namespace ledger
