// `ledgerctl backup --db DIR --to NEW`: a consistent copy of a ledger no
// process has open for writing (Ledger::Backup). Beside a live writer it
// is busy: only the process that holds the ledger can copy it safely
// (docs/operations.md, "Backup"), so it says to ask that process.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/json_writer.h"
#include "ledger/ledger.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl backup --db DIR --to NEW [--format text|json]\n"
    "\n"
    "Writes a consistent copy of the ledger in DIR into the new folder NEW\n"
    "(RocksDB's checkpoint: table files are hard links when NEW is on the\n"
    "same file system, copies otherwise). The copy opens as a ledger, holds\n"
    "everything DIR holds (events, keys, projections, head, delivery\n"
    "cursors, a cluster partition's applied position), and `replay` and\n"
    "`verify` pass on it. It is made in NEW.partial and renamed to NEW\n"
    "only once whole and synced, with a LEDGER-BACKUP file that says what\n"
    "it is: a folder named NEW is always a whole copy.\n"
    "\n"
    "DIR must not be open for writing in another process: a live writer's\n"
    "compactions delete files under any outside copy. Back up a ledger that\n"
    "ledgerd serves through ledgerd itself (its admin-only Backup RPC,\n"
    "docs/operations.md), or with Ledger::Backup in a program that embeds\n"
    "the ledger. A cluster node's folder (it holds a CLUSTER file) is copied\n"
    "partition by partition into NEW/p<N>, with its CLUSTER file.\n"
    "\n"
    "Options:\n"
    "  --db DIR    the ledger's folder (never created)\n"
    "  --to NEW    the copy's folder; it must not exist (its parent is made)\n"
    "  --format F  text (default: `dir: NEW` and `digest: SEQ:HASH` lines,\n"
    "              and `applied_position: N` for a cluster partition) or\n"
    "              json (one document per copy: dir, seq, hash, digest,\n"
    "              applied_position)\n"
    "  --help      print this help\n"
    "\n"
    "Exit status: 0 when the copy is whole, 1 when it failed (nothing named\n"
    "NEW is left), 2 on bad usage, 3 when another process has DIR open for\n"
    "writing.\n"
    "\n"
    "Example:\n"
    "  ledgerctl backup --db /var/lib/ledger --to /backup/ledger-2026-12-06\n";

constexpr char kBusyHint[] =
    "Another process (ledgerd, or a program that embeds the ledger) has it "
    "open for writing, and only that process can copy it consistently: "
    "call ledgerd's admin-only Backup RPC (docs/operations.md, \"Backup\"), "
    "or stop that process first";

void Print(Format format, const BackupInfo& info) {
  const std::string hash = absl::BytesToHexString(info.head_hash);
  const std::string digest = absl::StrCat(info.last_seq, ":", hash);
  if (format == Format::kJson) {
    JsonWriter w;
    w.BeginObject();
    w.Key("dir").String(info.dir);
    w.Key("seq").Uint(info.last_seq);
    w.Key("hash").String(hash);
    w.Key("digest").String(digest);
    w.Key("applied_position").Uint(info.applied_position);
    w.EndObject();
    std::printf("%s\n", w.str().c_str());
    return;
  }
  std::printf("dir: %s\ndigest: %s\n", info.dir.c_str(), digest.c_str());
  if (info.applied_position != 0) {
    std::printf("applied_position: %llu\n",
                static_cast<unsigned long long>(info.applied_position));
  }
}

// One ledger folder; `what` names it in a failure line.
int BackupOne(const std::string& dir, const std::string& to, Format format) {
  Options options;
  options.create_if_missing = false;
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(options, dir);
  if (!ledger.ok()) {
    return Fail("backup", "cannot open the ledger in " + dir, ledger.status(),
                absl::IsAborted(ledger.status()) ? kBusyHint : "");
  }
  absl::StatusOr<BackupInfo> info = (*ledger)->Backup(to);
  absl::Status closed = (*ledger)->Close();
  if (!info.ok()) {
    return Fail("backup", "cannot back up " + dir + " into " + to,
                info.status());
  }
  if (!closed.ok()) {
    return Fail("backup", "the copy " + info->dir +
                              " is whole, but closing the ledger failed",
                closed);
  }
  Print(format, *info);
  return kExitOk;
}

// A cluster node's folder: each p<N> into NEW/p<N>, then its CLUSTER file,
// so NEW is a node folder too. The partitions are copied one after the
// other: a node's folder is backed up while the node is stopped (a live
// node is copied by its Backup RPC).
int BackupNode(const std::string& dir, const std::string& to, Format format) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(to, ec)) {
    return FailWith("backup", to + " exists: a backup goes into a new folder");
  }
  for (int p = 0; p < 256; ++p) {
    const std::string part = dir + "/p" + std::to_string(p);
    if (!fs::exists(part, ec)) continue;
    const int done =
        BackupOne(part, to + "/p" + std::to_string(p), format);
    if (done != kExitOk) return done;
  }
  fs::copy_file(dir + "/CLUSTER", to + "/CLUSTER", ec);
  if (ec) {
    return FailWith("backup", "cannot copy " + dir + "/CLUSTER into " + to +
                                  ": " + ec.message());
  }
  return kExitOk;
}

}  // namespace

const CommandSpec& BackupSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "backup",
      .summary = "write a consistent copy of a ledger into a new folder",
      .usage = kUsage,
      .options = {"db", "to", "format"},
      .formats = {Format::kText, Format::kJson},
      .required = {"db", "to"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunBackup(std::span<char* const> args) {
  const CommandSpec& spec = BackupSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  const std::string dir = parsed.Get("db");
  const std::string to = parsed.Get("to");
  int done = std::filesystem::exists(dir + "/CLUSTER")
                 ? BackupNode(dir, to, parsed.format)
                 : BackupOne(dir, to, parsed.format);
  if (done == kExitOk && std::fflush(stdout) != 0) done = kExitFailure;
  return done;
}

}  // namespace ledger::tools
