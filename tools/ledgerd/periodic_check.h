// A check ledgerd runs at once and then every period on a thread of its
// own, until the owner is destroyed: the one loop behind the watches that
// feed the health service (disk_watch.h, retention_watch.h). Destroying it
// wakes the thread at once and joins it; a check in progress finishes.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_PERIODIC_CHECK_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_PERIODIC_CHECK_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ledger::ledgerd {

class PeriodicCheck {
 public:
  // Runs `check` once on the caller's thread, then every `period` on a
  // thread of its own. `check` must stay callable until the destructor
  // returns, and must not destroy this object.
  PeriodicCheck(absl::Duration period, std::function<void()> check);
  ~PeriodicCheck();
  PeriodicCheck(const PeriodicCheck&) = delete;
  PeriodicCheck& operator=(const PeriodicCheck&) = delete;

 private:
  const absl::Duration period_;
  const std::function<void()> check_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_PERIODIC_CHECK_H_
