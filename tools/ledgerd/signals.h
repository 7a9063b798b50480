// SIGTERM and SIGINT start a drain (docs/contract.md section 9). They are
// blocked in every thread (gRPC's and RocksDB's inherit the mask) and taken
// synchronously by the main thread with sigwait, so no handler runs at an
// arbitrary point.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_SIGNALS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_SIGNALS_H_

namespace ledger::ledgerd {

// REQUIRES: called before any thread is started.
void BlockStopSignals();

// Waits for SIGTERM or SIGINT; returns which.
int WaitForStopSignal();

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_SIGNALS_H_
