// SIGINT and SIGTERM for the long-running subcommands (apply, tail
// --follow), taken by one thread instead of interrupting whatever runs.
//
// Start() blocks the two signals in the calling thread, and so in every
// thread started after it (the ledger's RocksDB threads included), and
// starts one thread that takes them with sigwait. Nothing else ever runs
// a handler: RocksDB's syncs and the group being judged never see EINTR,
// and no signal can land in a thread that would only act on it at a later
// safe point (a sanitizer's runtime defers handlers that way, so a handler
// setting a flag could be left pending in a thread parked in a futex, and
// the process would never stop). The main loop learns of a signal from
// signal() or from the pipe behind wake_fd(), which it may poll beside its
// input so a read waiting on a pipe or a terminal wakes too.
//
//   StopSignals stop;
//   if (!stop.Start()) return Fail(...);
//   ... open the ledger (its threads inherit the mask) ...
//   while (stop.signal() == 0) { ... }
#ifndef CREDIT_LEDGER_TOOLS_LEDGERCTL_STOP_SIGNALS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERCTL_STOP_SIGNALS_H_

#include <signal.h>

#include <atomic>
#include <thread>

namespace ledger::tools {

class StopSignals {
 public:
  StopSignals() = default;
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  // Restores the signal mask the caller had, after stopping the thread.
  ~StopSignals();

  // Blocks the two signals and starts the waiting thread. Call it before
  // any other thread is started. False when the pipe cannot be made.
  bool Start();

  // Readable once a signal has been taken.
  int wake_fd() const { return pipe_[0]; }
  // The first signal taken (SIGINT or SIGTERM), or 0.
  int signal() const { return signal_.load(); }

 private:
  sigset_t old_mask_;
  bool masked_ = false;  // old_mask_ holds the caller's mask
  int pipe_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<int> signal_{0};
  std::atomic<bool> done_{false};
};

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_LEDGERCTL_STOP_SIGNALS_H_
