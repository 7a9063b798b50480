// The commit stage of `ledgerctl apply`: groups of lines, already read,
// checked at the edge and parsed on apply's main thread, are committed on
// this stage's own thread, one after the other in the order they were
// handed, so the next group is parsed while this one is written and
// synced (docs/ledgerctl.md, "How apply overlaps its work").
//
// What does not change with the overlap:
//   - order: one thread commits, group after group, and writes each
//     group's results, whole lines in input order, once the group's
//     SubmitBatch returned, that is once every command of it is durable;
//   - a failure: the first group whose commit fails stops the stage; it
//     says so on stderr (as apply always did), nothing handed after it is
//     committed, and every result written before it is durable;
//   - a stop (Abandon): the group being committed finishes and its results
//     are written; a group handed but not started is dropped unapplied.
// At most one group waits behind the one being committed (Hand blocks
// otherwise), so memory stays at three groups: parsing, waiting, writing.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERCTL_APPLY_PIPELINE_H_
#define CREDIT_LEDGER_TOOLS_LEDGERCTL_APPLY_PIPELINE_H_

#include <cstddef>
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
  // Abandon(), then ends the thread.
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
  // Drops the group waiting, if any, and waits for the one being
  // committed (a stop). False when a commit failed.
  bool Abandon();

  // Result lines written so far (each durable).
  size_t results_written() const;
  // Groups committed so far, and how many of them were handed while the
  // previous one was still being committed (the overlap; for tests).
  size_t groups_committed() const;
  size_t groups_overlapped() const;

 private:
  void Loop();
  // Commits one group and writes its results; false (reported) on failure.
  bool Commit(ParsedGroup& group);

  Ledger& ledger_;
  std::FILE* const out_;
  mutable absl::Mutex mu_;
  std::optional<ParsedGroup> waiting_ ABSL_GUARDED_BY(mu_);
  bool committing_ ABSL_GUARDED_BY(mu_) = false;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  size_t results_written_ ABSL_GUARDED_BY(mu_) = 0;
  size_t groups_committed_ ABSL_GUARDED_BY(mu_) = 0;
  size_t groups_overlapped_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread committer_;  // last: started once the rest is ready
};

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_LEDGERCTL_APPLY_PIPELINE_H_
