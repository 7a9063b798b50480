// The single-command Submits of many concurrent clients, committed as one
// library SubmitBatch.
//
// The library's group commit already merges calls that wait at the same
// time, but each waiting call costs a thread: gRPC's thread hands the call
// to a call thread, the call thread queues in the library, the group's
// leader wakes every follower, and each follower answers its client. For
// 64 clients that is four thread hand-offs per command on the server's
// cores. Here gRPC's thread only queues the command (waking the committer
// if it sleeps); one committer thread takes every queued command, calls
// SubmitBatch once, and answers each caller from that thread. Answers are
// the same: a SubmitBatch's results are those of submitting each command in
// order (ledger.h), as a group commit's are, and all are durable when it
// returns, so every answer still leaves only once its command is durable.
// While the committer writes and syncs one batch, the next one queues:
// the batch size follows the load, as the library's groups do. The
// committer answers the batch itself before it takes the next one, on
// purpose: clients with one call in flight send again only once answered,
// so the calls answered together come back together and make the next
// batch. Answering on another thread while the committer went straight
// back was measured and showed no gain (docs/benchmarks.md, "The service
// with its clients in another process").
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_SUBMIT_COALESCER_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_SUBMIT_COALESCER_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/ledger.h"
#include "ledger/v1/command.pb.h"

namespace ledger::ledgerd {

class SubmitCoalescer {
 public:
  // Called once per command, on the committer thread, with the command as
  // given and its result, or the library's error for its whole batch. Must
  // not block.
  using Done = std::function<void(const v1::Command& command,
                                  absl::StatusOr<SubmitResult> result)>;

  // REQUIRES: ledger outlives the coalescer; max_batch >= 1 and at most
  // the ledger's Options::max_batch_commands.
  SubmitCoalescer(Ledger* ledger, size_t max_batch);
  // Commits and answers every command already given, then ends the thread.
  ~SubmitCoalescer();
  SubmitCoalescer(const SubmitCoalescer&) = delete;
  SubmitCoalescer& operator=(const SubmitCoalescer&) = delete;

  // Queues `command`; `done` gets its result once it is durable. Its event
  // records `actor` (docs/contract.md section 16: the caller's token name;
  // empty records none), whatever the other commands of its batch record.
  void Submit(v1::Command command, Done done, std::string actor = "");

  // Library calls made so far, and commands in them (for tests: how many
  // Submits each call took in).
  size_t batches() const;
  size_t commands() const;

 private:
  struct Queued {
    v1::Command command;
    Done done;
    std::string actor;
  };
  void Loop();

  Ledger* const ledger_;
  const size_t max_batch_;
  mutable absl::Mutex mu_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  size_t batches_ ABSL_GUARDED_BY(mu_) = 0;
  size_t commands_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread committer_;  // last: started once the rest is ready
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_SUBMIT_COALESCER_H_
