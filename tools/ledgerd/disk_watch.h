// Watches whether the ledger takes writes (docs/operations.md, "What
// `ledgerd` does"): every period it asks Ledger::CheckWritable, which also
// resumes the store once a full disk has room again, so writes come back
// even while none arrive; each answer goes to the health service and the
// ledgerd_disk_full metric, and each change is said once on stderr.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_DISK_WATCH_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_DISK_WATCH_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ledger/ledger.h"
#include "tools/ledgerd/periodic_check.h"

namespace ledger::ledgerd {

// The health service name whose status says whether writes are taken:
// SERVING, or NOT_SERVING while the disk is full. The server's own status
// ("") and ledger.v1.LedgerService stay SERVING: reads are answered.
inline constexpr char kWritesHealthService[] = "ledger.v1.LedgerService.Writes";

class DiskWatch {
 public:
  // Called with whether writes are refused for want of space, and the
  // status CheckWritable gave, after every check.
  using Report = std::function<void(bool disk_full, const absl::Status&)>;

  // Checks once at once, then every `period` on a thread of its own until
  // destroyed. `ledger` must outlive the watch.
  DiskWatch(Ledger* ledger, absl::Duration period, Report report);
  DiskWatch(const DiskWatch&) = delete;
  DiskWatch& operator=(const DiskWatch&) = delete;

 private:
  void CheckOnce();

  Ledger* const ledger_;
  const Report report_;
  bool was_full_ = false;  // only the checks touch it, one at a time
  PeriodicCheck check_;    // last: it runs CheckOnce, which uses the above
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_DISK_WATCH_H_
