// The scheduling priority (nice value) of the calling thread.
//
// ledgerd starts gRPC's server threads at a lower priority than its own
// (server.h, --grpc-nice): on a busy core, a gRPC thread that the
// committer wakes for each answer it sends would otherwise preempt the
// committer at that wake-up, run one completion, sleep and be woken again
// by the next answer: two context switches per answer. Lowered, it waits
// until the committer has sent the whole batch and then takes every
// completion in one go (docs/service.md, "Threads"). Linux keeps a nice
// value per thread and a new thread starts with its creator's, so a thread
// lowered before it starts others lowers them too; raising a priority back
// needs a privilege ledgerd does not ask for, so it is never done.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_THREAD_PRIORITY_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_THREAD_PRIORITY_H_

#include "absl/status/status.h"

namespace ledger::ledgerd {

// Nice values run from -20 (first served) to 19 (last).
inline constexpr int kLowestNice = 19;

// The calling thread's nice value.
int ThisThreadsNice();

// Adds `increment` (>= 0) to the calling thread's nice value, at most up
// to kLowestNice. Internal when the kernel refuses (it does not for a
// thread lowering itself).
[[nodiscard]] absl::Status LowerThisThreadsPriority(int increment);

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_THREAD_PRIORITY_H_
