#include "tools/ledgerctl/apply_pipeline.h"

#include <utility>

#include "absl/status/statusor.h"
#include "ledger/command_json.h"
#include "tools/render/result_json.h"

namespace ledger::tools {

void ParseCommands(ParsedGroup& group) {
  group.commands.clear();
  group.commands.reserve(group.texts.size());
  group.all_parsed = true;
  for (const std::string& text : group.texts) {
    CommandFromJson read = ReadCommandJson(text);
    if (!read.command.has_value()) {
      // The ledger parses the group again and answers (and records) the
      // line that is no command exactly as SubmitJson does.
      group.all_parsed = false;
      group.commands.clear();
      return;
    }
    group.commands.push_back(*std::move(read.command));
  }
}

ApplyPipeline::ApplyPipeline(Ledger& ledger, std::FILE* out)
    : ledger_(ledger),
      out_(out),
      committers_{std::thread([this] { Loop(); }),
                  std::thread([this] { Loop(); })} {}

ApplyPipeline::~ApplyPipeline() {
  Abandon();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& committer : committers_) committer.join();
}

bool ApplyPipeline::Hand(ParsedGroup group) {
  absl::MutexLock lock(&mu_);
  auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !waiting_.has_value() || failed_;
  };
  mu_.Await(absl::Condition(&room));
  if (failed_) return false;
  if (committing_ > 0) ++groups_overlapped_;
  waiting_ = std::move(group);
  return true;
}

bool ApplyPipeline::Drain() {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return (!waiting_.has_value() && committing_ == 0) || failed_;
  };
  mu_.Await(absl::Condition(&idle));
  // After a failure the committers may still hold groups they will not
  // write: wait for them to let go, so nothing writes after this returns.
  auto quiet = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return committing_ == 0;
  };
  mu_.Await(absl::Condition(&quiet));
  return !failed_;
}

bool ApplyPipeline::Abandon() {
  {
    absl::MutexLock lock(&mu_);
    waiting_.reset();
  }
  return Drain();
}

size_t ApplyPipeline::results_written() const {
  absl::MutexLock lock(&mu_);
  return results_written_;
}

size_t ApplyPipeline::groups_committed() const {
  absl::MutexLock lock(&mu_);
  return groups_committed_;
}

size_t ApplyPipeline::groups_overlapped() const {
  absl::MutexLock lock(&mu_);
  return groups_overlapped_;
}

size_t ApplyPipeline::calls_overlapped() const {
  absl::MutexLock lock(&mu_);
  return calls_overlapped_;
}

void ApplyPipeline::Loop() {
  // A group is taken once every group taken before it holds its place in
  // the ledger: the two committers' calls reach the ledger in input order.
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return (waiting_.has_value() && queued_ == taken_) || stopping_ || failed_;
  };
  for (;;) {
    ParsedGroup group;
    uint64_t ordinal = 0;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&ready));
      // Stopping with nothing waiting, or nothing after a failed group is
      // applied: the ledger is stopped (or the disk full) and a later
      // group must not slip in once it has room again, ahead of the lines
      // that one left unanswered.
      if (failed_ || !waiting_.has_value()) return;
      group = *std::move(waiting_);
      waiting_.reset();
      ordinal = taken_++;
      ++committing_;
    }
    const bool committed = Commit(group, ordinal);
    absl::MutexLock lock(&mu_);
    --committing_;
    if (!committed) return;
  }
}

bool ApplyPipeline::AwaitOutputTurn(uint64_t ordinal) {
  auto turn = [this, ordinal]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return output_turn_ == ordinal;
  };
  mu_.Await(absl::Condition(&turn));
  return !failed_;
}

bool ApplyPipeline::Commit(ParsedGroup& group, uint64_t ordinal) {
  // Once the ledger holds this call's place (or the call failed before
  // it queued), the other committer may take the next group.
  auto queued = [this, ordinal] {
    absl::MutexLock lock(&mu_);
    if (queued_ == ordinal) {
      if (committing_ > 1) ++calls_overlapped_;
      queued_ = ordinal + 1;
    }
  };
  // A group whose every line apply answered itself asks the ledger nothing.
  absl::StatusOr<std::vector<SubmitResult>> results =
      std::vector<SubmitResult>();
  if (!group.texts.empty()) {
    results = group.all_parsed
                  ? ledger_.SubmitBatchInOrder(group.commands, queued)
                  : ledger_.SubmitJsonBatchInOrder(group.texts, queued);
    if (results.ok() && results->size() != group.texts.size()) {
      results = absl::InternalError("the ledger returned a wrong count of results");
    }
  }
  queued();  // when the call failed before it queued, or had no text
  // One write per group: whole lines only, in input order.
  std::string out;
  if (results.ok()) {
    size_t k = 0;
    for (std::optional<std::string>& answer : group.answered) {
      out += answer.has_value() ? *answer : render::ResultJson((*results)[k++]);
      out.push_back('\n');
    }
  }
  absl::ReleasableMutexLock lock(&mu_);
  // Results go out in input order: after every group before this one.
  if (!AwaitOutputTurn(ordinal)) {
    ++output_turn_;
    // A group before this one failed and said so. This one was in the
    // ledger already: judged on that group's state, it failed too, unless
    // it was judged after the disk had room again.
    if (results.ok() && !group.texts.empty()) {
      std::fprintf(stderr,
                   "ledgerctl apply: the next %zu line%s, in the ledger "
                   "before the failure, were applied after it; their results "
                   "were not written (running apply again on the same input "
                   "answers them as duplicates)\n",
                   group.texts.size(), group.texts.size() == 1 ? "" : "s");
    }
    return false;
  }
  if (!results.ok()) {
    failed_ = true;
    waiting_.reset();
    ++output_turn_;
    const size_t written = results_written_;
    std::fflush(out_);
    if (IsDiskFull(results.status())) {
      // One line: what happened, what to do, and what stands.
      std::fprintf(
          stderr,
          "ledgerctl apply: stopped: %s; the %zu result%s written before "
          "this are durable and nothing after them was applied: run apply "
          "again on the same input once there is room (accepted commands "
          "answer as duplicates)\n",
          std::string(results.status().message()).c_str(), written,
          written == 1 ? "" : "s");
      return false;
    }
    std::fprintf(stderr, "ledgerctl apply: the store failed: %s\n",
                 results.status().ToString().c_str());
    return false;
  }
  // Its turn is held until written, so the other committer's lines come
  // after; the lock is not, so Hand and the other call go on meanwhile.
  lock.Release();
  std::fwrite(out.data(), 1, out.size(), out_);
  absl::MutexLock relock(&mu_);
  ++output_turn_;
  ++groups_committed_;
  results_written_ += group.answered.size();
  return true;
}

}  // namespace ledger::tools
