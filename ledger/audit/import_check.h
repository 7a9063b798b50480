// The check at the heart of the import (ImportJsonl, ledger/export.h): feed it the lines of a jsonl
// export; it checks each line (ExportReader), submits the exported commands
// to a ledger in batches, and requires each resulting event to be the
// exported one: accepted, with the exported seq, and with the exported
// chained hash. The first difference is an error naming its seq.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_IMPORT_CHECK_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_IMPORT_CHECK_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "ledger/ledger.h"
#include "ledger/audit/export_format.h"
#include "ledger/export.h"

namespace ledger {

// Commands submitted per SubmitBatch: one commit group (Options'
// max_group_commands default), so one sync per batch.
inline constexpr size_t kImportBatchCommands = 4096;

class ImportChecker {
 public:
  // REQUIRES: `ledger` has no events and nothing else writes to it.
  explicit ImportChecker(Ledger& ledger,
                         size_t batch_commands = kImportBatchCommands);

  // Checks one line and queues its command; submits a full batch.
  [[nodiscard]] absl::Status Add(std::string_view line);
  // Submits what is queued. Call once after the last line.
  [[nodiscard]] absl::Status Finish();

  // Events submitted and matched so far.
  uint64_t submitted() const { return summary_.events; }
  const ImportSummary& summary() const { return summary_; }

 private:
  [[nodiscard]] absl::Status Flush();
  [[nodiscard]] absl::Status CheckReadBack();

  Ledger& ledger_;
  const size_t batch_commands_;
  ExportReader reader_;
  std::vector<v1::Command> commands_;      // the batch being gathered
  std::vector<ExportedEvent> exported_;    // their exported events
  ImportSummary summary_;
};

// After the ledger in `dir` is closed: its stored head must be the
// summary's (seq and hash). The stored hash covers the stored bytes
// themselves, so this is the final word on "the import equals the export".
[[nodiscard]] absl::Status CheckStoredHead(const std::string& dir,
                                           const ImportSummary& summary);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_IMPORT_CHECK_H_
