// Options for Ledger::Open. A plain struct: each field says its default.
#ifndef CREDIT_LEDGER_LEDGER_OPTIONS_H_
#define CREDIT_LEDGER_LEDGER_OPTIONS_H_

#include <cstddef>

namespace ledger {

struct Options {
  // Create the ledger when `dir` is missing or empty. An existing folder that
  // is not a ledger is never written to. Default: true.
  bool create_if_missing = true;

  // Sync the write-ahead log before any command of a group is acknowledged.
  // With false, acknowledged commands survive a crash of the process but the
  // last moments may be lost on a crash of the machine. Default: true.
  bool sync = true;

  // Most commands committed in one group (one WriteBatch, one sync).
  // Bounds the latency of the group and the size of one batch. Default: 4096.
  size_t max_group_commands = 4096;

  // Most commands one SubmitBatch call may carry. Default: 100000.
  size_t max_batch_commands = 100000;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_OPTIONS_H_
