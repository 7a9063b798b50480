#include "tools/ledgerd/periodic_check.h"

#include <utility>

namespace ledger::ledgerd {

PeriodicCheck::PeriodicCheck(absl::Duration period, std::function<void()> check)
    : period_(period), check_(std::move(check)) {
  check_();
  thread_ = std::thread([this] {
    absl::MutexLock lock(&mu_);
    auto stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
    // Sleeps the period unless stopped; checks without holding the lock, so
    // the destructor never waits for more than the check in progress.
    while (!mu_.AwaitWithTimeout(absl::Condition(&stopped), period_)) {
      mu_.Unlock();
      check_();
      mu_.Lock();
    }
  });
}

PeriodicCheck::~PeriodicCheck() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

}  // namespace ledger::ledgerd
