// The commit stage of `ledgerctl apply`: groups of lines, already read,
// checked at the edge and parsed on apply's main thread, are committed by
// two threads of this stage, in the order they were handed, so the next
// group is parsed while this one is committed, and, in the ledger, judged
// while this one syncs (docs/ledgerctl.md, "How apply overlaps its work").
//
// What does not change with the overlap:
//   - order: a committer takes the next group only once the call of the
//     group before it holds its place in the ledger's commit order
//     (Ledger::SubmitBatchInOrder), so the ledger judges and writes the
//     groups in input order; each group's results, whole lines in input
//     order, are written once its call returned, that is once every
//     command of it is durable, and only after the results of every group
//     before it;
//   - a failure: the first group whose commit fails stops the stage; it
//     says so on stderr (as apply always did), once the results before it
//     are written, no group is taken after it, and every result written
//     before it is durable. The group the other committer holds, already
//     in the ledger, fails with it: judged on its state, it is never
//     written (in the rare case that it was judged once a full disk had
//     room again, it may be applied: stderr says so, and its results are
//     not written);
//   - a stop (Abandon): the groups being committed finish and their
//     results are written; a group handed but not started is dropped
//     unapplied.
// At most one group waits behind the two being committed (Hand blocks
// otherwise), so memory stays at four groups: parsing, waiting, and two in
// the ledger.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERCTL_APPLY_PIPELINE_H_
#define CREDIT_LEDGER_TOOLS_LEDGERCTL_APPLY_PIPELINE_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "ledger/ledger.h"
#include "ledger/v1/command.pb.h"

namespace ledger::tools {

// One group of input lines, ready for the ledger.
struct ParsedGroup {
  // One entry per input line, in input order: the result line apply gives
  // itself (a line too long, a command an edge guard refuses), or nullopt
  // for a line the ledger answers.
  std::vector<std::optional<std::string>> answered;
  // The lines the ledger answers, in order: their JSON text, and their
  // commands as ReadCommandJson read them when every one of them parsed.
  std::vector<std::string> texts;
  std::vector<v1::Command> commands;
  // False when a text is not a command: the group then goes to the ledger
  // as JSON (SubmitJsonBatch), which answers and records that line itself.
  bool all_parsed = true;
};

// Reads the JSON of the lines the ledger answers (group.texts) into
// group.commands, as Ledger::SubmitJson would read them.
void ParseCommands(ParsedGroup& group);

class ApplyPipeline {
 public:
  // Results go to `out` (apply's stdout), one fwrite per group; failures
  // are reported on stderr. REQUIRES: ledger outlives the pipeline.
  ApplyPipeline(Ledger& ledger, std::FILE* out);
  // Abandon(), then ends the threads.
  ~ApplyPipeline();
  ApplyPipeline(const ApplyPipeline&) = delete;
  ApplyPipeline& operator=(const ApplyPipeline&) = delete;

  // Queues `group` behind every group handed before; waits while another
  // group is already waiting. False once a commit failed: the group is not
  // applied, nor anything after it.
  bool Hand(ParsedGroup group);
  // Waits until every group handed is committed and its results written.
  // False when a commit failed.
  bool Drain();
  // Drops the group waiting, if any, and waits for the ones being
  // committed (a stop). False when a commit failed.
  bool Abandon();

  // Result lines written so far (each durable).
  size_t results_written() const;
  // Groups committed so far; how many of them were handed while the
  // previous one was still being committed; and how many were queued in
  // the ledger while the group before was still being committed (in the
  // ledger, or its results not yet written): the overlaps, for tests.
  size_t groups_committed() const;
  size_t groups_overlapped() const;
  size_t calls_overlapped() const;

 private:
  void Loop();
  // Commits group number `ordinal` and writes its results in turn; false
  // (reported) on failure, or when a group before it failed.
  bool Commit(ParsedGroup& group, uint64_t ordinal);
  // Waits for the results of every group before `ordinal` to be written
  // (or a failure); true when this group's may be written now.
  bool AwaitOutputTurn(uint64_t ordinal) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Ledger& ledger_;
  std::FILE* const out_;
  mutable absl::Mutex mu_;
  std::optional<ParsedGroup> waiting_ ABSL_GUARDED_BY(mu_);
  // Groups taken by a committer; of those, how many hold their place in
  // the ledger's order (a committer takes group n only once n are); how
  // many have had their turn at the output; how many are in the ledger.
  uint64_t taken_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t output_turn_ ABSL_GUARDED_BY(mu_) = 0;
  int committing_ ABSL_GUARDED_BY(mu_) = 0;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  size_t results_written_ ABSL_GUARDED_BY(mu_) = 0;
  size_t groups_committed_ ABSL_GUARDED_BY(mu_) = 0;
  size_t groups_overlapped_ ABSL_GUARDED_BY(mu_) = 0;
  size_t calls_overlapped_ ABSL_GUARDED_BY(mu_) = 0;
  // Last: started once the rest is ready.
  std::thread committers_[2];
};

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_LEDGERCTL_APPLY_PIPELINE_H_
