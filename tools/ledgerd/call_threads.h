// The threads on which ledgerd's callback RPCs make their library calls.
//
// The library's Submit blocks until its group is durable, and group commit
// merges only calls that are waiting at the same time, one thread each
// (GetBalance may wait for a sync too). Callback RPCs must not block gRPC's
// threads, so each admitted Submit, SubmitBatch and GetBalance runs here.
// Threads are started on demand, up to `max_threads` (the in-flight bound:
// an admitted call never queues for a thread), and then kept, so a burst of
// concurrent Submits finds them waiting. The sync server this replaces
// started one thread per call and let all but two end after each answer:
// 64 concurrent Submits got 1.7 to 1.9 times the throughput from this pool
// under the same load (docs/service.md, "Threads").
//
// Jobs are given from gRPC's threads, which run at a lower priority than
// ledgerd's own (server.h), and a thread starts with its creator's: so
// the pool's threads are started by a thread of the pool's own, made with
// the pool, and run the library calls at the priority of the thread that
// made the pool, not at gRPC's.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CALL_THREADS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CALL_THREADS_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace ledger::ledgerd {

class CallThreads {
 public:
  // REQUIRES: max_threads >= 1.
  explicit CallThreads(int max_threads);
  // Runs every job already given, then ends the threads.
  ~CallThreads();
  CallThreads(const CallThreads&) = delete;
  CallThreads& operator=(const CallThreads&) = delete;

  // Runs `job` on a waiting thread, or a new one while there are fewer than
  // max_threads, else once a thread is free.
  void Run(std::function<void()> job);

  // Threads started so far (for tests).
  int threads() const;

 private:
  // The starter's: starts the threads Run asked for.
  void StartLoop();
  void Loop();

  const int max_threads_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  int idle_ ABSL_GUARDED_BY(mu_) = 0;  // threads waiting for a job
  // Threads asked of the starter and not yet started: each takes a job.
  int to_start_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  std::thread starter_;  // last: started once the rest is ready
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CALL_THREADS_H_
