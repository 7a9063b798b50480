// `ledgerctl tail --db DIR [--from-seq N] [--follow]`: prints the log from
// seq N as JSON lines, and with --follow keeps printing what another process
// commits. The ledger is normally held open for writing by the platform
// (RocksDB's LOCK), so tail never opens it for writing: it reads with
// FollowLog (ledger/log_reader.h), through a RocksDB secondary instance, and
// prints TailJsonLine (ledger/export.h) of each event.
#include <signal.h>

#include <csignal>
#include <cstdio>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/export.h"
#include "ledger/log_reader.h"
#include "tools/commands.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl tail --db DIR [--from-seq N] [--follow]\n"
    "\n"
    "Prints the ledger's log from seq N on, one event per line of JSON, in\n"
    "seq order: seq, at, customer (null for set_policy), key, kind (the\n"
    "command's kind), policy_version, hash (SHA-256 of the event, hex) and\n"
    "postings [{account, unit, amount}] (amount > 0 debits the account).\n"
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
    "  --help          print this help\n"
    "\n"
    "Exit status: 0 on success, 1 when the ledger is missing, damaged or\n"
    "cannot be read, 2 on bad usage.\n"
    "\n"
    "Examples:\n"
    "  ledgerctl tail --db /tmp/ledger --from-seq 40\n"
    "  ledgerctl tail --db /var/ledger --from-seq 1200 --follow\n";

volatile std::sig_atomic_t g_stop = 0;
void OnStopSignal(int) { g_stop = 1; }

// Bytes of output gathered before they are written, so a long catch-up
// streams rather than piles up.
constexpr size_t kOutputChunk = 64 << 10;

}  // namespace

const CommandSpec& TailSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "tail",
      .summary = "print the log from a seq as JSON lines; --follow for more",
      .usage = kUsage,
      .options = {"db", "from-seq"},
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
  const std::string dir = parsed.Get("db");
  const bool follow = parsed.Has("follow");
  // Stop cleanly on SIGINT / SIGTERM, so the scratch folder is removed.
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  FollowOptions options;
  options.follow = follow;
  options.stop = [] { return g_stop != 0; };
  std::string out;
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
        absl::StrAppend(&out, TailJsonLine(e), "\n");
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
    std::fprintf(stderr, "ledgerctl tail: %s\n", status.ToString().c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace ledger::tools
