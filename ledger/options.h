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

  // Most commands the writer merges from several calls into one group (one
  // WriteBatch, one sync). A call is never split: one SubmitBatch or
  // SubmitJsonBatch of more commands is committed as a group of its own, so
  // the real bound on a group is max(max_group_commands,
  // max_batch_commands). Must be at least 1 (Open: InvalidArgument).
  // Default: 4096.
  size_t max_group_commands = 4096;

  // Most commands one SubmitBatch or SubmitJsonBatch call may carry
  // (InvalidArgument past that). Must be at least 1 (Open:
  // InvalidArgument). Default: 100000.
  size_t max_batch_commands = 100000;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_OPTIONS_H_
