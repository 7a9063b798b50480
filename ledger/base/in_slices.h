// Runs a loop over [0, n) on several threads, each taking one contiguous
// slice, for the work on a batch that needs no state and may run in any
// order: reading and preparing its commands before the batch queues for
// the single writer (the library's SubmitBatch and SubmitJsonBatch,
// ledgerd's HTTP API reading a body of many commands).
//
// The calling thread takes the first slice and joins the others; a thread
// that cannot be started (the process is out of threads) leaves its slice
// to the calling thread, so the loop always covers every index once.
#ifndef CREDIT_LEDGER_LEDGER_BASE_IN_SLICES_H_
#define CREDIT_LEDGER_LEDGER_BASE_IN_SLICES_H_

#include <cstddef>
#include <functional>

namespace ledger {

// How a loop is cut: at least `min_per_thread` indices a thread (a thread
// costs about 20 us to start and join, so a slice must be worth more), and
// at most `max_threads` threads, fewer when the machine has fewer cores.
struct SliceBounds {
  size_t min_per_thread = 1;
  size_t max_threads = 1;
};

// Calls `slice(begin, end)` for contiguous, disjoint ranges that together
// cover [0, n), each from one thread, and returns once every call has.
// `slice` must be safe to call from several threads at once on disjoint
// ranges. With n below 2 * bounds.min_per_thread, or one core, it is one
// call on the calling thread.
void ForEachSlice(size_t n, const SliceBounds& bounds,
                  const std::function<void(size_t begin, size_t end)>& slice);

// The number of slices ForEachSlice cuts [0, n) into on this machine.
size_t SliceCount(size_t n, const SliceBounds& bounds);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_BASE_IN_SLICES_H_
