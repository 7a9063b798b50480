// The log out of the ledger and back in (docs/audit.md,
// docs/audit.md, "ledgerctl export"): the formats of `ledgerctl export`, the line of
// `ledgerctl tail`, and the checked import of a jsonl export.
//
// jsonl: one object per event, members in this order:
//   seq, key, customer, at, [requested_at], [actor, recorded_at],
//   policy_version, kind, prev_hash, hash (hex), command (the JSON of
//   docs/contract.md section 4), postings, event (the stored bytes, base64);
//   actor and recorded_at (section 16) only on events that record them
// The readable members repeat what `event` holds; `hash` is
// SHA-256(prev_hash || event bytes), the ledger's own chained hash.
//
// csv (RFC 4180, CRLF line ends, a header row): one row per journal line:
//   seq,at,customer,key,kind,account,unit,debit,credit,event_hash,actor,recorded_at
//
//   std::ofstream out("ledger.jsonl");
//   absl::Status s = ledger::ExportLog("/var/ledger", ledger::ExportFormat::kJsonl,
//       1, head.seq, [&](uint64_t, std::string_view text) {
//         out << text; return absl::OkStatus(); });
#ifndef CREDIT_LEDGER_LEDGER_EXPORT_H_
#define CREDIT_LEDGER_LEDGER_EXPORT_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "ledger/log_reader.h"

namespace ledger {

enum class ExportFormat { kJsonl, kCsv };

// The first line of a csv export; ExportLog does not write it.
inline constexpr char kExportCsvHeader[] =
    "seq,at,customer,key,kind,account,unit,debit,credit,event_hash,actor,recorded_at\r\n";

// The text of one event in `format`: its jsonl line with the line break, or
// its csv rows (each ending in CRLF; none for an event whose journal entry
// is empty, e.g. cancel_subscription). REQUIRES: event.event is set.
std::string ExportEvent(const LogEvent& event, ExportFormat format);

// ExportEvent of one event of a customer's page (Ledger::ReadCustomerEvents,
// ledger/customer_reads.h): the same text `export` prints for it.
std::string ExportCustomerEvent(const CustomerEvent& event, ExportFormat format);

// Calls `write` with ExportEvent of each event of the log in `dir` with
// from_seq <= seq <= through_seq, in order (for an empty csv text too), until
// `write` returns a non-OK status, which is returned as is. Reads the log as
// it was when the export began (ReadLog), so it may run beside a writer.
// Errors as ReadLog.
[[nodiscard]] absl::Status ExportLog(
    const std::string& dir, ExportFormat format, uint64_t from_seq,
    uint64_t through_seq,
    const std::function<absl::Status(uint64_t seq, std::string_view text)>& write);

// The JSON line `ledgerctl tail` prints for an event, without the line
// break: exactly the jsonl line of ExportEvent, so an event reads the same
// in a tail and in an export. REQUIRES: event.event is set.
std::string TailJsonLine(const LogEvent& event);

struct ImportSummary {
  uint64_t events = 0;
  uint64_t head_seq = 0;
  std::string head_hash;  // 32 bytes; zeros for an empty export
  // The export was of a ledger of the previous format (credit-ledger/1):
  // the events were matched as messages, and the new ledger's hashes, over
  // this format's bytes, differ from the exported ones
  // (`exported_head_hash`). Digests published of the old ledger are then
  // checked against the export, not the new ledger.
  bool previous_format = false;
  std::string exported_head_hash;  // equals head_hash unless previous_format
};

// Imports the jsonl export read from `in` (from seq 1, one event a line;
// empty lines and a CR before the line break are ignored) into the ledger in
// `dir`, which it opens with default Options and closes before returning.
// Each line is checked on its own and against the one before (exactly what
// export writes for its bytes, a hash chain from seq 1 without a gap); each
// exported command is then submitted again, in batches, and the resulting
// event must have the exported seq and chained hash (for an export of the
// previous format, credit-ledger/1: be the exported event, field by field
// but its prev_hash; see ImportSummary). At the end the stored
// head must be the export's. `progress`, when set, gets the number of events
// submitted and matched so far after each line and once at the end (events
// are matched a batch of 4096 at a time).
// Returns the summary, or the first problem (InvalidArgument for a bad
// line, FailedPrecondition for a command decided differently, DataLoss for
// another head), naming its line or seq; the ledger in `dir` then holds
// what was imported before it, so import into a scratch folder and rename.
// REQUIRES: `dir` holds no events and nothing else writes to it.
[[nodiscard]] absl::StatusOr<ImportSummary> ImportJsonl(
    const std::string& dir, std::istream& in,
    const std::function<void(uint64_t events)>& progress = nullptr);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_EXPORT_H_
