// The single-command Submits of many concurrent clients, committed as one
// library SubmitBatch.
//
// The library's group commit already merges calls that wait at the same
// time, but each waiting call costs a thread: gRPC's thread hands the call
// to a call thread, the call thread queues in the library, the group's
// leader wakes every follower, and each follower answers its client. For
// 64 clients that is four thread hand-offs per command on the server's
// cores. Here gRPC's thread only queues the command (waking the committer
// if it sleeps); one committer thread takes every queued command and calls
// SubmitBatch once; then it hands the whole batch's results to one
// answerer thread (one wake-up per batch, not per call) and goes back for
// the next batch at once, so the answers of batch n (a gRPC Finish each:
// the response's encoding and its write to the socket, tens of
// microseconds per call) are sent while batch n+1 is judged, written and
// synced instead of in front of it. Answers are the same: a SubmitBatch's
// results are those of submitting each command in order (ledger.h), as a
// group commit's are, and all are durable when it returns, so every answer
// still leaves only once its command is durable; the answerer answers
// batches in the order they were committed and each batch in order.
// While the committer writes and syncs one batch, the next one queues:
// the batch size follows the load, as the library's groups do.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_SUBMIT_COALESCER_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_SUBMIT_COALESCER_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/ledger.h"
#include "ledger/v1/command.pb.h"

namespace ledger::ledgerd {

class SubmitCoalescer {
 public:
  // Called once per command, on the answerer thread, with the command as
  // given and its result, or the library's error for its whole batch. Must
  // not block.
  using Done = std::function<void(const v1::Command& command,
                                  absl::StatusOr<SubmitResult> result)>;

  // REQUIRES: ledger outlives the coalescer; max_batch >= 1 and at most
  // the ledger's Options::max_batch_commands.
  SubmitCoalescer(Ledger* ledger, size_t max_batch);
  // Commits and answers every command already given, then ends the
  // threads.
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
  // One committed batch waiting for its answers.
  struct Committed {
    std::vector<Queued> taken;
    std::vector<v1::Command> commands;
    absl::StatusOr<std::vector<SubmitResult>> results;
  };
  void Loop();
  void AnswerLoop();

  Ledger* const ledger_;
  const size_t max_batch_;
  mutable absl::Mutex mu_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  size_t batches_ ABSL_GUARDED_BY(mu_) = 0;
  size_t commands_ ABSL_GUARDED_BY(mu_) = 0;
  // Batches committed, in commit order, for the answerer.
  absl::Mutex answer_mu_;
  std::deque<Committed> committed_ ABSL_GUARDED_BY(answer_mu_);
  bool committer_done_ ABSL_GUARDED_BY(answer_mu_) = false;
  // Last: started once the rest is ready.
  std::thread answerer_;
  std::thread committer_;
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_SUBMIT_COALESCER_H_
