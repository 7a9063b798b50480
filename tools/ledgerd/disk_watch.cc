#include "tools/ledgerd/disk_watch.h"

#include <iostream>
#include <utility>

namespace ledger::ledgerd {

DiskWatch::DiskWatch(Ledger* ledger, absl::Duration period, Report report)
    : ledger_(ledger),
      report_(std::move(report)),
      check_(period, [this] { CheckOnce(); }) {}

void DiskWatch::CheckOnce() {
  const absl::Status writable = ledger_->CheckWritable();
  const bool full = IsDiskFull(writable);
  if (full != was_full_) {
    if (full) {
      std::cerr << "ledgerd: refusing writes (UNAVAILABLE), reads go on: "
                << writable.message() << std::endl;
    } else {
      std::cerr << "ledgerd: the ledger's disk has room again: taking writes"
                << std::endl;
    }
    was_full_ = full;
  }
  report_(full, writable);
}

}  // namespace ledger::ledgerd
