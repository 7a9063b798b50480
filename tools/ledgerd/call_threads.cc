#include "tools/ledgerd/call_threads.h"

#include <utility>

namespace ledger::ledgerd {

CallThreads::CallThreads(int max_threads) : max_threads_(max_threads) {}

CallThreads::~CallThreads() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
}

void CallThreads::Run(std::function<void()> job) {
  absl::MutexLock lock(&mu_);
  jobs_.push_back(std::move(job));
  // Each idle thread takes one queued job; start one for any job beyond.
  if (static_cast<int>(jobs_.size()) > idle_ &&
      static_cast<int>(threads_.size()) < max_threads_) {
    threads_.emplace_back([this] { Loop(); });
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
