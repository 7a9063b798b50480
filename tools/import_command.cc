// `ledgerctl import --db NEWDIR [FILE]`: loads a complete jsonl export into a
// new, empty ledger.
//
// Design (ImportJsonl, ledger/export.h): the export's events are not copied in. Each exported command is
// submitted again through the public API, in order and in batches
// (Ledger::SubmitBatch), so every projection and idempotency record is
// rebuilt by the code that built the original; then each resulting event
// must be the exported one: the same seq, and the same chained hash, which
// covers its effects, postings and policy version. The first difference
// stops the import with its seq. So an export edited anywhere (a readable
// member, the event bytes, a hash, a missing or reordered line) is refused,
// and so is one whose re-decision differs (a tampered event with a
// recomputed hash chain).
//
// Nothing is changed on failure: the ledger is built in NEWDIR.importing and
// renamed to NEWDIR only once the import has passed every check.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/export.h"
#include "ledger/log_reader.h"
#include "ledger/base/durable_file.h"
#include "ledger/base/json_writer.h"
#include "tools/commands.h"
#include "tools/failure.h"
#include "tools/progress.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl import --db NEWDIR [--format text|json] [FILE]\n"
    "\n"
    "Loads a jsonl export (`ledgerctl export --format jsonl`, from seq 1)\n"
    "from FILE, or standard input when FILE is missing or '-', into a new,\n"
    "empty ledger in NEWDIR.\n"
    "\n"
    "Every exported command is submitted again, in order, so the projections\n"
    "and idempotency keys are rebuilt by the ledger itself; each resulting\n"
    "event must then equal the exported one (its seq and its chained hash).\n"
    "Each line is checked first: it must be exactly what export wrote for\n"
    "its event bytes, its hash must be SHA-256(prev_hash || bytes), and the\n"
    "chain must run from seq 1 without a gap. The first problem stops the\n"
    "import with its line and seq, and NEWDIR is left as it was: the ledger\n"
    "is built in NEWDIR.importing and renamed into place at the end.\n"
    "\n"
    "NEWDIR must be missing, an empty folder, or a ledger without events.\n"
    "On success prints the number of events and the head (seq and hash),\n"
    "which equal the exported ledger's. An export of a ledger of the\n"
    "previous format (credit-ledger/1, made with the build that wrote it)\n"
    "is the way over to this one: its events are matched field by field\n"
    "but prev_hash, and the new ledger's hashes differ from the exported\n"
    "ones (both heads are printed). A progress bar goes to stderr when\n"
    "stderr is a terminal.\n"
    "\n"
    "Options:\n"
    "  --db NEWDIR   the new ledger's folder\n"
    "  --format F    text (default) or json (one document: {\"events\",\n"
    "                \"head_seq\", \"head_hash\"})\n"
    "  --help        print this help\n"
    "\n"
    "Exit status: 0 when every event was imported and matched, 1 when the\n"
    "export, NEWDIR or the ledger failed (nothing is changed), 2 on bad\n"
    "usage.\n"
    "\n"
    "Example:\n"
    "  ledgerctl export --db /tmp/ledger --format jsonl > ledger.jsonl\n"
    "  ledgerctl import --db /tmp/copy ledger.jsonl\n"
    "  ledgerctl replay --db /tmp/copy\n";

// Checks NEWDIR: OK when it may receive the import; `replace` is set when
// it holds a ledger without events, which the import replaces.
absl::Status CheckTarget(const std::string& dir, bool* replace) {
  *replace = false;
  absl::StatusOr<LogHead> head = ReadLogHead(dir);
  if (absl::IsNotFound(head.status())) return absl::OkStatus();  // missing/empty
  if (!head.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, " is not empty and is not a readable ledger (",
        head.status().message(), "): import needs a new, empty folder"));
  }
  if (head->seq != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, " already holds a ledger with ", head->seq,
        " events: import needs a new, empty folder"));
  }
  *replace = true;
  // The import replaces it at the end: not under a live writer.
  return CheckNoWriter(dir);
}

// Makes the rename of `path` durable: until its parent is synced, a power
// cut can undo the rename and leave the import under its staging name.
absl::Status SyncParent(const std::filesystem::path& path) {
  const std::filesystem::path parent =
      path.has_parent_path() ? path.parent_path() : ".";
  return PosixFileOps().SyncFolder(parent.string());
}

// Reads the export from `in` into the ledger in `staging`.
absl::StatusOr<ImportSummary> ImportInto(const std::string& staging,
                                         std::istream& in) {
  ProgressBar progress("import", 0);
  absl::StatusOr<ImportSummary> summary = ImportJsonl(
      staging, in, [&](uint64_t events) { progress.Update(events); });
  if (summary.ok()) progress.Finish();
  return summary;
}

}  // namespace

const CommandSpec& ImportSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "import",
      .summary = "load a jsonl export into a new, empty ledger and check it",
      .usage = kUsage,
      .options = {"db", "format"},
      .formats = {Format::kText, Format::kJson},
      .required = {"db"},
      .max_positionals = 1,
  };
  return *spec;
}

int RunImport(std::span<char* const> args) {
  const CommandSpec& spec = ImportSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  std::string dir = parsed.Get("db");
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir.empty()) return UsageError(spec, "--db needs a folder");
  const Format format = parsed.format;

  bool replace = false;
  if (absl::Status target = CheckTarget(dir, &replace); !target.ok()) {
    return Fail("import", "cannot import into " + dir, target,
                absl::IsAborted(target) ? "" : "Give --db a new or empty folder");
  }
  const std::string staging = dir + ".importing";
  std::error_code ec;
  if (std::filesystem::exists(staging, ec)) {
    return FailWith("import",
                    absl::StrCat("cannot import into ", dir, ": ", staging,
                                 " exists. Another import into ", dir,
                                 " is running, or one was interrupted: then "
                                 "remove it and run the import again."));
  }

  std::ifstream file;
  std::istream* in = &std::cin;
  const std::string input = parsed.positionals.empty() ? "-" : parsed.positionals[0];
  if (input != "-") {
    file.open(input, std::ios::binary);
    if (!file) {
      return FailWith("import",
                      absl::StrCat("cannot open ", input, ": ",
                                   std::strerror(errno),
                                   ". Check the file's path and permissions."));
    }
    in = &file;
  }

  absl::StatusOr<ImportSummary> summary = ImportInto(staging, *in);
  if (summary.ok() && replace) std::filesystem::remove_all(dir, ec);
  if (summary.ok() && !ec) std::filesystem::rename(staging, dir, ec);
  if (!summary.ok() || ec) {
    std::filesystem::remove_all(staging, ec);
    const absl::Status why = summary.ok()
                                 ? absl::UnavailableError(ec.message())
                                 : summary.status();
    return Fail("import", "cannot import into " + dir, why,
                dir + " was not changed; fix the export or the folder and "
                      "run the import again");
  }
  if (absl::Status synced = SyncParent(dir); !synced.ok()) {
    return Fail("import", "cannot make the import into " + dir + " durable",
                synced,
                "the ledger is complete in " + dir + " but a power cut may "
                "still undo its rename: run `sync`");
  }
  const std::string hash = absl::BytesToHexString(summary->head_hash);
  if (format == Format::kJson) {
    JsonWriter w;
    w.BeginObject();
    w.Key("events").Uint(summary->events);
    w.Key("head_seq").Uint(summary->head_seq);
    w.Key("head_hash").String(hash);
    if (summary->previous_format) {
      w.Key("exported_head_hash")
          .String(absl::BytesToHexString(summary->exported_head_hash));
    }
    w.EndObject();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("imported events: %llu\n",
                static_cast<unsigned long long>(summary->events));
    std::printf("head seq:        %llu\n",
                static_cast<unsigned long long>(summary->head_seq));
    std::printf("head hash:       %s\n", hash.c_str());
    if (summary->previous_format) {
      // The chain is rebuilt over this format's bytes: a digest published
      // of the old ledger names the export's hashes, not these.
      std::printf("migrated from %s: every event matched, the hashes are "
                  "new; the export's head hash was %s\n",
                  "credit-ledger/1",
                  absl::BytesToHexString(summary->exported_head_hash).c_str());
    }
  }
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace ledger::tools
