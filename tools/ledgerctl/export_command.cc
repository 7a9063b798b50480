// `ledgerctl export --db DIR --format jsonl|json|csv [--from-seq N]`: writes
// the log to stdout, complete and checkable (jsonl, or json: the same
// objects in one document) or as journal lines for a spreadsheet or an
// accounting system (csv). Formats: ledger/export.h
// and docs/audit.md ("ledgerctl export").
//
// The log is read through ReadLog (ledger/log_reader.h): read-only on a
// closed ledger, or through a secondary instance beside a live writer, so an
// export may run while another process writes; it covers the log as it was
// when the export started.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "ledger/export.h"
#include "ledger/log_reader.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"
#include "tools/ledgerctl/progress.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl export --db DIR --format jsonl|json|csv [--from-seq N]\n"
    "\n"
    "Writes the event log to standard output, in log order.\n"
    "\n"
    "  jsonl  one JSON object per event: seq, key, customer, at,\n"
    "         policy_version, kind, prev_hash, hash (hex), command (the\n"
    "         canonical command as the JSON of docs/contract.md section 4),\n"
    "         postings, and event: the\n"
    "         stored event bytes in base64. hash = SHA-256(prev_hash ||\n"
    "         event bytes), the ledger's own hash chain, so the export can be\n"
    "         checked without the ledger and loaded with `ledgerctl import`.\n"
    "  json   one JSON document, {\"events\": [...]}, holding the objects\n"
    "         of jsonl in log order (import reads jsonl only).\n"
    "  csv    RFC 4180 with a header row, one row per journal line:\n"
    "         seq,at,customer,key,kind,account,unit,debit,credit,event_hash,actor,recorded_at\n"
    "         (debit and credit are non-negative; an event whose journal\n"
    "         entry is empty, e.g. cancel_subscription, has no row).\n"
    "\n"
    "The export covers the log as it was when it started, and may run while\n"
    "another process writes to the ledger; DIR is never written or created.\n"
    "A progress bar goes to stderr when stderr is a terminal.\n"
    "\n"
    "Options:\n"
    "  --db DIR       the ledger's folder (never created)\n"
    "  --format F     jsonl, json or csv\n"
    "  --from-seq N   start at sequence number N (default 1); such an export\n"
    "                 cannot be imported into an empty ledger\n"
    "  --help         print this help\n"
    "\n"
    "Exit status: 0 on success, 1 when there is no ledger in DIR, it cannot\n"
    "be read or stdout cannot be written, 2 on bad usage.\n"
    "\n"
    "Example:\n"
    "  ledgerctl export --db /tmp/ledger --format jsonl > ledger.jsonl\n";

bool Write(std::string_view text) {
  return std::fwrite(text.data(), 1, text.size(), stdout) == text.size();
}

}  // namespace

const CommandSpec& ExportSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "export",
      .summary = "write the event log as JSON (Lines) or journal lines as CSV",
      .usage = kUsage,
      .options = {"db", "format", "from-seq"},
      .formats = {Format::kJsonl, Format::kJson, Format::kCsv},
      .required = {"db", "format"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunExport(std::span<char* const> args) {
  const CommandSpec& spec = ExportSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  const Format format = parsed.format;
  int64_t from_seq = 1;
  if (!ParseIntOption(spec, parsed, "from-seq", 1, 1,
                      std::numeric_limits<int64_t>::max(), &from_seq,
                      &exit_code)) {
    return exit_code;
  }
  // Like every audit command, export never creates DIR (docs/audit.md): a
  // mistyped path is an error, not an empty export.
  const std::string dir = parsed.Get("db");
  absl::StatusOr<LogHead> head = ReadLogHead(dir);
  if (!head.ok()) {
    return Fail("export", "cannot read the ledger in " + dir, head.status());
  }
  const uint64_t first = static_cast<uint64_t>(from_seq);
  ProgressBar progress("export", head->seq >= first ? head->seq - first + 1 : 0);
  // json: the jsonl lines as the elements of one array, {"events": [...]}.
  const char* opening = format == Format::kCsv    ? kExportCsvHeader
                        : format == Format::kJson ? "{\"events\": ["
                                                  : "";
  if (!Write(opening)) {
    return FailWith("export", absl::StrCat("cannot write: ", std::strerror(errno)));
  }
  uint64_t done = 0;
  // Up to the head read above: events written since are not part of this
  // export, so the count in the progress bar is its real total.
  absl::Status read = ExportLog(
      dir, format == Format::kCsv ? ExportFormat::kCsv : ExportFormat::kJsonl,
      first, head->seq, [&](uint64_t, std::string_view text) {
        if (format == Format::kJson) {
          // The jsonl line without its line break, after a comma but the
          // first.
          text.remove_suffix(1);
          if (done > 0 && !Write(", ")) {
            return absl::UnavailableError(
                absl::StrCat("cannot write: ", std::strerror(errno)));
          }
        }
        if (!Write(text)) {
          return absl::UnavailableError(
              absl::StrCat("cannot write: ", std::strerror(errno)));
        }
        progress.Update(++done);
        return absl::OkStatus();
      });
  progress.Finish();
  if (!read.ok()) {
    return Fail("export", "cannot export the ledger in " + dir, read);
  }
  if ((format == Format::kJson && !Write("]}\n")) || std::fflush(stdout) != 0) {
    return FailWith("export", absl::StrCat("cannot write: ", std::strerror(errno)));
  }
  return kExitOk;
}

}  // namespace ledger::tools
