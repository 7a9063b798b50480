#include "tools/ledgerctl/stop_signals.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

namespace ledger::tools {
namespace {

sigset_t StopSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

bool StopSignals::Start() {
  const sigset_t set = StopSet();
  pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
  masked_ = true;
  if (::pipe2(pipe_, O_CLOEXEC) != 0) return false;
  thread_ = std::thread([this, set] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (done_.load()) return;
      int expected = 0;
      if (signal_.compare_exchange_strong(expected, sig)) {
        const char byte = 's';
        ssize_t ignored = ::write(pipe_[1], &byte, 1);
        (void)ignored;
      }
    }
  });
  return true;
}

StopSignals::~StopSignals() {
  if (thread_.joinable()) {
    done_.store(true);
    pthread_kill(thread_.native_handle(), SIGTERM);  // wakes sigwait
    thread_.join();
  }
  for (int fd : pipe_) {
    if (fd >= 0) ::close(fd);
  }
  if (masked_) pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace ledger::tools
