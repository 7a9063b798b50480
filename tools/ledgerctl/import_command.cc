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
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/export.h"
#include "ledger/log_reader.h"
#include "ledger/signed_digest.h"
#include "ledger/verify.h"
#include "ledger/base/durable_file.h"
#include "ledger/base/json_writer.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"
#include "tools/ledgerctl/key_file.h"
#include "tools/ledgerctl/progress.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl import --db NEWDIR [--digest D [--pubkey PUB.pem]]\n"
    "                        [--format text|json] [FILE]\n"
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
    "The head printed comes from the file itself, so it proves nothing on\n"
    "its own: an auditor gives --digest D, the digest the platform\n"
    "published (signed or not), and with --pubkey PUB.pem the platform's\n"
    "Ed25519 public key. The signature is checked before anything is read;\n"
    "after the import the new ledger's log is verified as by `ledgerctl\n"
    "verify --digest D` (the event at D's seq must have D's hash), and a\n"
    "failure leaves NEWDIR unchanged. Not for an export of the previous\n"
    "format, whose hashes change.\n"
    "\n"
    "Options:\n"
    "  --db NEWDIR   the new ledger's folder\n"
    "  --digest D    a published digest the export must reach (SEQ:HASH,\n"
    "                or signed: SEQ:HASH:ed25519:KEYID:SIGNATURE)\n"
    "  --pubkey P    check D's signature with this Ed25519 public key (PEM)\n"
    "  --format F    text (default) or json (one document: {\"events\",\n"
    "                \"head_seq\", \"head_hash\", and with --digest\n"
    "                \"digest\" and \"signature\": \"good\", \"not checked\"\n"
    "                or \"none\"})\n"
    "  --help        print this help\n"
    "\n"
    "Exit status: 0 when every event was imported and matched, 1 when the\n"
    "export, NEWDIR or the ledger failed (nothing is changed), 2 on bad\n"
    "usage.\n"
    "\n"
    "Example:\n"
    "  ledgerctl export --db /tmp/ledger --format jsonl > ledger.jsonl\n"
    "  ledgerctl import --db /tmp/copy ledger.jsonl\n"
    "  ledgerctl import --db /tmp/copy --digest \"$(cat digest.txt)\" \\\n"
    "      --pubkey platform.pub.pem ledger.jsonl\n"
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

// After the import, before the rename: the log built from the file must
// still hold the very events the published digest was taken of.
absl::Status CheckReachesDigest(const std::string& staging,
                                const LogDigest& digest) {
  VerifyOptions options;
  options.digest = digest;
  absl::StatusOr<VerifyReport> report = VerifyLog(staging, options);
  if (!report.ok()) return report.status();
  if (!report->ok && report->digest_mismatch) {
    // The chain is whole: only the digest differs, said as verify says it.
    return absl::DataLossError(absl::StrCat(
        "the export does not match the digest ", FormatDigest(digest),
        " at seq ", report->first_bad_seq, ": ", report->problem));
  }
  if (!report->ok) {
    return absl::DataLossError(absl::StrCat(
        "the export does not match the digest ", FormatDigest(digest),
        ": first bad event seq ", report->first_bad_seq, ": ", report->problem));
  }
  return absl::OkStatus();
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
      .options = {"db", "digest", "format", "pubkey"},
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

  std::optional<SignedDigest> digest;
  std::string signature_word = "none";
  if (parsed.Has("digest")) {
    absl::StatusOr<SignedDigest> parsed_digest =
        ParseSignedDigest(parsed.Get("digest"));
    if (!parsed_digest.ok()) {
      return UsageError(spec, absl::StrCat("--digest: ",
                                           parsed_digest.status().message()));
    }
    digest = *std::move(parsed_digest);
    if (digest->signed_()) signature_word = "not checked";
  }
  if (parsed.Has("pubkey")) {
    if (!digest.has_value() || !digest->signed_()) {
      return UsageError(spec,
                        "--pubkey checks a signed digest: give --digest the "
                        "line `ledgerctl digest --sign` printed");
    }
    absl::Status good = CheckSignatureWithKeyFile(*digest, parsed.Get("pubkey"));
    if (!good.ok()) {
      return Fail("import", "the digest's signature does not check", good,
                  "Nothing was imported");
    }
    signature_word = "good";
  }

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
  if (summary.ok() && digest.has_value()) {
    if (summary->previous_format) {
      summary = absl::FailedPreconditionError(
          "--digest cannot be checked on an export of the previous format: "
          "its events get new hashes; import it without --digest and check "
          "the digest against the export's head");
    } else if (absl::Status reached = CheckReachesDigest(staging, digest->digest);
               !reached.ok()) {
      summary = reached;
    }
  }
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
    if (digest.has_value()) {
      w.Key("digest").String(FormatDigest(digest->digest));
      w.Key("signature").String(signature_word);
    }
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
    if (digest.has_value()) {
      std::printf("digest:          %s, reached\n",
                  FormatDigest(digest->digest).c_str());
      if (digest->signed_()) {
        std::printf("signature:       ed25519 key %s, %s\n",
                    absl::BytesToHexString(digest->key_id).c_str(),
                    signature_word == "good" ? "good"
                                             : "not checked (no --pubkey)");
      }
    }
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
