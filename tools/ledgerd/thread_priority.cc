#include "tools/ledgerd/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace ledger::ledgerd {
namespace {

// On Linux, PRIO_PROCESS with a thread id names that one thread (the
// nice value is per thread, not per process).
id_t ThisThreadsId() { return static_cast<id_t>(gettid()); }

}  // namespace

int ThisThreadsNice() {
  // getpriority can return -1 as a value: errno tells it from an error.
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, ThisThreadsId());
  return errno == 0 ? nice : 0;
}

absl::Status LowerThisThreadsPriority(int increment) {
  if (increment <= 0) return absl::OkStatus();
  const int target = std::min(kLowestNice, ThisThreadsNice() + increment);
  if (setpriority(PRIO_PROCESS, ThisThreadsId(), target) != 0) {
    return absl::InternalError(absl::StrCat(
        "cannot lower the thread's priority to nice ", target, ": ",
        std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace ledger::ledgerd
