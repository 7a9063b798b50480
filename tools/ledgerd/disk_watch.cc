#include "tools/ledgerd/disk_watch.h"

#include <iostream>

namespace ledger::ledgerd {

DiskWatch::DiskWatch(Ledger* ledger, absl::Duration period, Report report)
    : ledger_(ledger), period_(period), report_(std::move(report)) {
  CheckOnce();
  thread_ = std::thread([this] {
    absl::MutexLock lock(&mu_);
    auto stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
    while (!mu_.AwaitWithTimeout(absl::Condition(&stopped), period_)) {
      mu_.Unlock();
      CheckOnce();
      mu_.Lock();
    }
  });
}

DiskWatch::~DiskWatch() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

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
