// `ledgerctl tail --db DIR [--from-seq N] [--follow] [--format jsonl|csv]`:
// prints the log from seq N, and with --follow keeps printing what another
// process commits. The ledger is normally held open for writing by the
// platform (RocksDB's LOCK), so tail never opens it for writing: it reads
// with FollowLog (ledger/log_reader.h), through a RocksDB secondary
// instance, and prints each event exactly as `ledgerctl export` does
// (ExportEvent, ledger/export.h): one renderer, so a line of tail and the
// same line of an export are the same bytes.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/export.h"
#include "ledger/log_reader.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"
#include "tools/ledgerctl/stop_signals.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl tail --db DIR [--from-seq N] [--follow]\n"
    "                      [--format jsonl|csv]\n"
    "\n"
    "Prints the ledger's log from seq N on, in seq order, each event exactly\n"
    "as `ledgerctl export` prints it: with jsonl (the default) one JSON\n"
    "object per line, {seq, key, customer, at, policy_version, kind,\n"
    "prev_hash, hash, command, postings, event} (see `ledgerctl export\n"
    "--help`); with csv a header line, then one row per journal line.\n"
    "Without --follow it stops at the last event; with --follow it then\n"
    "keeps printing each event the process that has the ledger open commits,\n"
    "until it is interrupted (SIGINT or SIGTERM end it with status 0).\n"
    "\n"
    "tail never writes to the ledger and never takes its lock, so it runs\n"
    "beside the process that writes. It reads through a RocksDB secondary\n"
    "instance, which keeps its own files in a scratch folder under $TMPDIR\n"
    "(default /tmp), removed when tail ends. --follow polls the writer every\n"
    "150 ms, and may show an event a moment before the writer's sync of it\n"
    "has completed.\n"
    "\n"
    "Options:\n"
    "  --db DIR        the ledger's folder (must exist; never created)\n"
    "  --from-seq N    the first seq to print, 1 or more (default: 1); past\n"
    "                  the last event, prints nothing (or waits, --follow)\n"
    "  --follow        keep printing new events as they are committed\n"
    "  --format F      jsonl (default) or csv; a stream has no json (one\n"
    "                  document) form\n"
    "  --help          print this help\n"
    "\n"
    "Exit status: 0 on success, 1 when there is no ledger in DIR or it is\n"
    "damaged or cannot be read, 2 on bad usage.\n"
    "\n"
    "Examples:\n"
    "  ledgerctl tail --db /tmp/ledger --from-seq 40\n"
    "  ledgerctl tail --db /var/ledger --from-seq 1200 --follow\n";

// Bytes of output gathered before they are written, so a long catch-up
// streams rather than piles up.
constexpr size_t kOutputChunk = 64 << 10;

}  // namespace

const CommandSpec& TailSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "tail",
      .summary = "print the log from a seq, as export does; --follow for more",
      .usage = kUsage,
      .options = {"db", "from-seq", "format"},
      .formats = {Format::kJsonl, Format::kCsv},
      .required = {"db"},
      .flags = {"follow"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunTail(std::span<char* const> args) {
  const CommandSpec& spec = TailSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  int64_t from_seq = 1;
  if (!ParseIntOption(spec, parsed, "from-seq", 1, 1,
                      std::numeric_limits<int64_t>::max(), &from_seq,
                      &exit_code)) {
    return exit_code;
  }
  const Format format = parsed.format;
  const ExportFormat export_format =
      format == Format::kCsv ? ExportFormat::kCsv : ExportFormat::kJsonl;
  const std::string dir = parsed.Get("db");
  const bool follow = parsed.Has("follow");
  // Stop cleanly on SIGINT / SIGTERM, so the scratch folder is removed;
  // taken before the reader starts any thread (stop_signals.h says why).
  StopSignals stop_signals;
  if (!stop_signals.Start()) {
    return FailWith("tail", absl::StrCat("cannot make a pipe: ",
                                         std::strerror(errno)));
  }
  FollowOptions options;
  options.follow = follow;
  options.stop = [&stop_signals] { return stop_signals.signal() != 0; };
  std::string out = format == Format::kCsv ? kExportCsvHeader : "";
  const auto write_out = [&]() -> absl::Status {
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
    if (std::fflush(stdout) != 0) {
      return absl::UnavailableError("cannot write to standard output");
    }
    return absl::OkStatus();
  };
  options.caught_up = write_out;
  absl::Status status = FollowLog(
      dir, static_cast<uint64_t>(from_seq), options, [&](const LogEvent& e) {
        out.append(ExportEvent(e, export_format));
        if (out.size() >= kOutputChunk) {
          std::fwrite(out.data(), 1, out.size(), stdout);
          out.clear();
        }
        return absl::OkStatus();
      });
  // FollowLog has reported every event it delivered as caught up, but an
  // interrupted or failed read may leave a part of a chunk here.
  if (absl::Status flushed = write_out(); status.ok()) status = flushed;
  if (!status.ok()) {
    return Fail("tail", "cannot read the log in " + dir, status);
  }
  return kExitOk;
}

}  // namespace ledger::tools
