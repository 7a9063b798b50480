#include "tools/ledgerd/submit_coalescer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "ledger/base/check.h"

namespace ledger::ledgerd {

SubmitCoalescer::SubmitCoalescer(Ledger* ledger, size_t max_batch)
    : ledger_(ledger),
      max_batch_(max_batch),
      answerer_([this] { AnswerLoop(); }),
      committer_([this] { Loop(); }) {
  LEDGER_CHECK(max_batch_ >= 1) << "a coalesced batch must hold a command";
}

SubmitCoalescer::~SubmitCoalescer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  committer_.join();  // every queued command committed and handed over
  {
    absl::MutexLock lock(&answer_mu_);
    committer_done_ = true;
  }
  answerer_.join();  // and answered
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
  for (;;) {
    Committed batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing left to commit
      batch.taken.reserve(std::min(queue_.size(), max_batch_));
      while (!queue_.empty() && batch.taken.size() < max_batch_) {
        batch.taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      ++batches_;
      commands_ += batch.taken.size();
    }
    std::vector<std::string> actors;
    batch.commands.reserve(batch.taken.size());
    actors.reserve(batch.taken.size());
    for (Queued& q : batch.taken) {
      batch.commands.push_back(std::move(q.command));
      actors.push_back(std::move(q.actor));
    }
    batch.results = ledger_->SubmitBatchAs(batch.commands, actors);
    if (batch.results.ok()) {
      LEDGER_CHECK(batch.results->size() == batch.taken.size())
          << "SubmitBatch answered " << batch.results->size() << " results for "
          << batch.taken.size() << " commands";
    }
    absl::MutexLock lock(&answer_mu_);
    committed_.push_back(std::move(batch));
  }
}

void SubmitCoalescer::AnswerLoop() {
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(answer_mu_) {
    return !committed_.empty() || committer_done_;
  };
  for (;;) {
    Committed batch;
    {
      absl::MutexLock lock(&answer_mu_);
      answer_mu_.Await(absl::Condition(&ready));
      if (committed_.empty()) return;  // the committer ended, all answered
      batch = std::move(committed_.front());
      committed_.pop_front();
    }
    for (size_t i = 0; i < batch.taken.size(); ++i) {
      batch.taken[i].done(batch.commands[i],
                          batch.results.ok()
                              ? absl::StatusOr<SubmitResult>(
                                    std::move((*batch.results)[i]))
                              : absl::StatusOr<SubmitResult>(batch.results.status()));
    }
    // The batch (and each callback, which may hold what its caller must get
    // back: ledgerd's in-flight slot) goes now, not when the next one comes.
  }
}

}  // namespace ledger::ledgerd
