#include "tools/ledgerd/signals.h"

#include <pthread.h>
#include <signal.h>

#include "ledger/base/check.h"

namespace ledger::ledgerd {
namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void BlockStopSignals() {
  sigset_t set = StopSignals();
  LEDGER_CHECK(pthread_sigmask(SIG_BLOCK, &set, nullptr) == 0);
}

int WaitForStopSignal() {
  sigset_t set = StopSignals();
  int signal = 0;
  LEDGER_CHECK(sigwait(&set, &signal) == 0);
  return signal;
}

}  // namespace ledger::ledgerd
