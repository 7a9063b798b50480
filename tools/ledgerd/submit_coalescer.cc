#include "tools/ledgerd/submit_coalescer.h"

#include <utility>
#include <vector>

#include "ledger/base/check.h"

namespace ledger::ledgerd {

SubmitCoalescer::SubmitCoalescer(Ledger* ledger, size_t max_batch)
    : ledger_(ledger), max_batch_(max_batch), committer_([this] { Loop(); }) {
  LEDGER_CHECK(max_batch_ >= 1) << "a coalesced batch must hold a command";
}

SubmitCoalescer::~SubmitCoalescer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  committer_.join();
}

void SubmitCoalescer::Submit(v1::Command command, Done done, std::string actor) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(Queued{std::move(command), std::move(done), std::move(actor)});
}

size_t SubmitCoalescer::batches() const {
  absl::MutexLock lock(&mu_);
  return batches_;
}

size_t SubmitCoalescer::commands() const {
  absl::MutexLock lock(&mu_);
  return commands_;
}

void SubmitCoalescer::Loop() {
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || stopping_;
  };
  std::vector<Queued> taken;
  std::vector<v1::Command> commands;
  std::vector<std::string> actors;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing left to commit
      while (!queue_.empty() && taken.size() < max_batch_) {
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      ++batches_;
      commands_ += taken.size();
    }
    commands.reserve(taken.size());
    for (Queued& q : taken) {
      commands.push_back(std::move(q.command));
      actors.push_back(std::move(q.actor));
    }
    absl::StatusOr<std::vector<SubmitResult>> results =
        ledger_->SubmitBatchAs(commands, actors);
    if (results.ok()) {
      LEDGER_CHECK(results->size() == taken.size())
          << "SubmitBatch answered " << results->size() << " results for "
          << taken.size() << " commands";
    }
    for (size_t i = 0; i < taken.size(); ++i) {
      taken[i].done(commands[i], results.ok()
                                     ? absl::StatusOr<SubmitResult>(
                                           std::move((*results)[i]))
                                     : absl::StatusOr<SubmitResult>(
                                           results.status()));
    }
    // Now, not when the next batch comes: a callback may hold what its
    // caller must get back (ledgerd's in-flight slot).
    taken.clear();
    commands.clear();
    actors.clear();
  }
}

}  // namespace ledger::ledgerd
