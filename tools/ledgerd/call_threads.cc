#include "tools/ledgerd/call_threads.h"

#include <utility>

namespace ledger::ledgerd {

CallThreads::CallThreads(int max_threads)
    : max_threads_(max_threads), starter_([this] { StartLoop(); }) {}

CallThreads::~CallThreads() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  // The starter first starts every thread already asked for (each has a
  // job waiting), so that no thread starts once they are joined.
  starter_.join();
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
}

void CallThreads::Run(std::function<void()> job) {
  absl::MutexLock lock(&mu_);
  jobs_.push_back(std::move(job));
  // Each idle thread, and each thread on its way, takes one queued job;
  // ask the starter for one more for any job beyond.
  if (static_cast<int>(jobs_.size()) > idle_ + to_start_ &&
      static_cast<int>(threads_.size()) + to_start_ < max_threads_) {
    ++to_start_;
  }
}

void CallThreads::StartLoop() {
  auto asked = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return to_start_ > 0 || stopping_;
  };
  absl::MutexLock lock(&mu_);
  for (;;) {
    mu_.Await(absl::Condition(&asked));
    for (; to_start_ > 0; --to_start_) {
      threads_.emplace_back([this] { Loop(); });
    }
    if (stopping_) return;
  }
}

int CallThreads::threads() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(threads_.size());
}

void CallThreads::Loop() {
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !jobs_.empty() || stopping_;
  };
  mu_.Lock();
  for (;;) {
    ++idle_;
    mu_.Await(absl::Condition(&ready));
    --idle_;
    if (jobs_.empty()) break;  // stopping, and nothing left to run
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    mu_.Unlock();
    job();
    mu_.Lock();
  }
  mu_.Unlock();
}

}  // namespace ledger::ledgerd
