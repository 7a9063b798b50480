// ExportEvent and ExportLog of ledger/export.h: the log read as stored and
// written in one of the export formats (export_format.h).
#include "ledger/audit/export_format.h"
#include "ledger/export.h"

namespace ledger {

std::string ExportEvent(const LogEvent& event, ExportFormat format) {
  switch (format) {
    case ExportFormat::kJsonl: return ExportJsonLine(event) + "\n";
    case ExportFormat::kCsv: return ExportCsvRows(event);
  }
  return "";
}

std::string ExportCustomerEvent(const CustomerEvent& event, ExportFormat format) {
  LogEvent view;
  view.seq = event.seq;
  view.hash = event.hash;
  view.bytes = event.bytes;
  view.event = &event.event;
  return ExportEvent(view, format);
}

absl::Status ExportLog(
    const std::string& dir, ExportFormat format, uint64_t from_seq,
    uint64_t through_seq,
    const std::function<absl::Status(uint64_t seq, std::string_view text)>& write) {
  bool reached_end = false;  // the Cancelled that ends the read is ours
  absl::Status read = ReadLog(dir, from_seq, [&](const LogEvent& e) {
    // Stop at `through_seq`: a caller that read the head first gets exactly
    // the events up to it, even while a writer appends more.
    if (e.seq > through_seq) {
      reached_end = true;
      return absl::CancelledError("past through_seq");
    }
    const absl::Status written = write(e.seq, ExportEvent(e, format));
    if (!written.ok()) return written;
    reached_end = e.seq == through_seq;
    return reached_end ? absl::CancelledError("at through_seq")
                       : absl::OkStatus();
  });
  return reached_end ? absl::OkStatus() : read;
}

}  // namespace ledger
