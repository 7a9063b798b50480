// The formats of the export (described in ledger/export.h;
// docs/audit.md, "ledgerctl export", has the column reference) and the check the import
// runs on each line.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_EXPORT_FORMAT_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_EXPORT_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/base/csv_field.h"
#include "ledger/log_reader.h"
#include "ledger/v1/event.pb.h"

namespace ledger {

// Longest jsonl line import reads (an event's effects grow with the lots an
// `expire` or `forfeit` sweeps, so this is far above a command's 64 KiB).
inline constexpr size_t kMaxExportLineBytes = 16 * 1024 * 1024;

// The jsonl line of one stored event, without the line break.
std::string ExportJsonLine(const LogEvent& event);

// The csv rows of one stored event (one per posting, each ending in CRLF);
// empty for an event whose journal entry is empty.
std::string ExportCsvRows(const LogEvent& event);

// An event read back from a jsonl export and checked.
struct ExportedEvent {
  uint64_t seq = 0;
  std::string hash;   // 32 bytes
  std::string bytes;  // the stored event bytes
  // `bytes` parsed, with the header fields the stored bytes leave out
  // refilled (an export of the previous format stored them itself)
  v1::Event event;
  // The bytes are an event of the previous format (credit-ledger/1), which
  // stored prev_hash, key, customer and command_fingerprint in its header.
  bool previous_format = false;
};

// Reads a jsonl export line by line and checks each line on its own and
// against the one before: the line must be exactly what `export` writes for
// its event bytes (so no readable member was edited), `hash` must be
// SHA-256(prev_hash || bytes), the first line must be seq 1 with the
// all-zero prev_hash, and each later line the next seq with prev_hash the
// previous line's hash. An export of a ledger of the previous format
// (credit-ledger/1, whose event bytes hold their prev_hash) is read too, the
// way over to this format; one export holds one format. Errors name the
// line and the seq.
class ExportReader {
 public:
  [[nodiscard]] absl::StatusOr<ExportedEvent> Next(std::string_view line);
  uint64_t lines() const { return lines_; }

 private:
  uint64_t lines_ = 0;
  uint64_t last_seq_ = 0;
  std::string last_hash_;  // empty before the first line
  bool previous_format_ = false;  // of the first line
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_EXPORT_FORMAT_H_
