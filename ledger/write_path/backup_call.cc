// Ledger::Backup (ledger.h): the store's checkpoint, taken beside the
// writer. It takes none of the writer's locks, so Submit goes on while the
// copy is made; it holds store_mu_ shared, as ReadEvents does, so Close
// waits for it instead of closing the store under it.
#include <string>

#include "ledger/storage/backup.h"
#include "ledger/write_path/ledger_impl.h"

namespace ledger {

absl::StatusOr<BackupInfo> LedgerImpl::Backup(const std::string& to) {
  absl::ReaderMutexLock store_lock(&store_mu_);
  {
    absl::ReaderMutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
  }
  return CopyStore(*store_, to);
}

}  // namespace ledger
