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
    : ledger_(ledger), out_(out), committer_([this] { Loop(); }) {}

ApplyPipeline::~ApplyPipeline() {
  Abandon();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  committer_.join();
}

bool ApplyPipeline::Hand(ParsedGroup group) {
  absl::MutexLock lock(&mu_);
  auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !waiting_.has_value() || failed_;
  };
  mu_.Await(absl::Condition(&room));
  if (failed_) return false;
  if (committing_) ++groups_overlapped_;
  waiting_ = std::move(group);
  return true;
}

bool ApplyPipeline::Drain() {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return (!waiting_.has_value() && !committing_) || failed_;
  };
  mu_.Await(absl::Condition(&idle));
  // After a failure the committer may still hold a group it will not
  // commit: wait for it to let go, so nothing writes after this returns.
  auto quiet = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !committing_;
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

void ApplyPipeline::Loop() {
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return waiting_.has_value() || stopping_;
  };
  for (;;) {
    ParsedGroup group;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&ready));
      if (!waiting_.has_value()) return;  // stopping, nothing waits
      group = *std::move(waiting_);
      waiting_.reset();
      committing_ = true;
    }
    const bool committed = Commit(group);
    absl::MutexLock lock(&mu_);
    committing_ = false;
    if (!committed) {
      // Nothing after a failed group is applied: the ledger is stopped
      // (or the disk full) and a later group must not slip in once it
      // has room again, ahead of the lines this one left unanswered.
      failed_ = true;
      waiting_.reset();
      return;
    }
    ++groups_committed_;
    results_written_ += group.answered.size();
  }
}

bool ApplyPipeline::Commit(ParsedGroup& group) {
  absl::StatusOr<std::vector<SubmitResult>> results;
  if (!group.texts.empty()) {
    results = group.all_parsed ? ledger_.SubmitBatch(group.commands)
                               : ledger_.SubmitJsonBatch(group.texts);
    if (results.ok() && results->size() != group.texts.size()) {
      results = absl::InternalError("the ledger returned a wrong count of results");
    }
    if (!results.ok()) {
      size_t written = 0;
      {
        absl::MutexLock lock(&mu_);
        written = results_written_;
      }
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
  }
  // One write per group: whole lines only, in input order.
  std::string out;
  size_t k = 0;
  for (std::optional<std::string>& answer : group.answered) {
    out += answer.has_value() ? *answer : render::ResultJson((*results)[k++]);
    out.push_back('\n');
  }
  std::fwrite(out.data(), 1, out.size(), out_);
  return true;
}

}  // namespace ledger::tools
