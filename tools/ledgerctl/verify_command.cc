// `ledgerctl verify --db DIR [--digest SEQ:HASH]`: proves from the events
// alone that the hash chain is intact and the stored head is its end, and
// that the log still extends a digest published earlier.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/json_writer.h"
#include "ledger/signed_digest.h"
#include "ledger/verify.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"
#include "tools/ledgerctl/key_file.h"
#include "tools/ledgerctl/progress.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl verify --db DIR [--digest SEQ:HASH[:ed25519:KEYID:SIG]]\n"
    "                        [--pubkey PUB.pem] [--format text|json]\n"
    "\n"
    "Reads the event log alone (no stored projections) and proves it was not\n"
    "changed: from seq 1 on, every event sits at the next sequence number,\n"
    "its stored hash is SHA-256(previous hash || its bytes), it parses and\n"
    "its header names that seq and the previous hash; the stored head is the\n"
    "last event and its hash. A changed byte, a removed, added or moved\n"
    "event each break the chain at the first bad seq.\n"
    "\n"
    "Someone who rewrites history and recomputes every hash after it keeps\n"
    "a consistent chain; a digest published before (`ledgerctl digest`)\n"
    "catches it: with --digest the event at SEQ must have exactly HASH, so\n"
    "the log still holds the very events the digest was taken of. A digest\n"
    "whose hash no event of the log has is said to be so first: it is\n"
    "another ledger's or was copied wrong, unless it really was published\n"
    "of this ledger, whose log was then rewritten.\n"
    "\n"
    "A signed digest (`ledgerctl digest --sign`) proves it came from the\n"
    "platform: with --pubkey PUB.pem (the platform's Ed25519 public key in\n"
    "PEM) its signature is checked first, and a digest signed by another\n"
    "key, or whose digest or signature was edited, fails before the log is\n"
    "read. Without --pubkey the signature is not checked (and the output\n"
    "says so).\n"
    "\n"
    "Checks the chain only; `ledgerctl replay` also judges every decision\n"
    "again and compares the projections. Only reads: DIR is never written\n"
    "or created, and verify runs beside a live writer.\n"
    "\n"
    "Options:\n"
    "  --db DIR             the ledger's folder\n"
    "  --digest D           a digest printed earlier by `ledgerctl digest`,\n"
    "                       signed or not\n"
    "  --pubkey PUB.pem     check D's signature with this Ed25519 public key\n"
    "  --format F           text (default) or json (one document: {\"events\",\n"
    "                       \"head\", \"digest\" when given, \"ok\", and when\n"
    "                       not ok \"first_bad_seq\" and \"problem\", with a\n"
    "                       digest \"digest_mismatch\" too (true when the\n"
    "                       chain checks good up to the digest's seq and only\n"
    "                       the digest does not match); for a signed digest\n"
    "                       \"key_id\" and \"signature\": \"good\" or \"not\n"
    "                       checked\"})\n"
    "  --help               print this help\n"
    "\n"
    "Prints the events checked, the head as SEQ:HASH and the verdict.\n"
    "Exit status: 0 when the log verifies, 1 when it does not (the first\n"
    "bad sequence number and the problem go to stderr, or for a digest that\n"
    "does not match, that it does not and where) or cannot be read,\n"
    "2 on bad usage (including a malformed digest, or --pubkey without a\n"
    "signed --digest). A signature that does not check is exit status 1.\n"
    "\n"
    "Examples:\n"
    "  ledgerctl verify --db /tmp/ledger\n"
    "  ledgerctl verify --db /tmp/ledger --digest 42:3b1f...e07a\n"
    "  ledgerctl verify --db /tmp/ledger --pubkey platform.pub.pem \\\n"
    "      --digest 42:3b1f...e07a:ed25519:5c0e...91d2:8a41...0c0f\n";

// What is known of the digest's signature, for the output.
struct SignatureNote {
  bool present = false;  // the digest was signed
  bool checked = false;  // ... and its signature checked good (--pubkey)
  std::string key_id;    // hex
};

std::string SignatureWord(const SignatureNote& note) {
  return note.checked ? "good" : "not checked (no --pubkey)";
}

std::string RenderText(const VerifyReport& report, const VerifyOptions& options,
                       const SignatureNote& note) {
  std::string out =
      absl::StrCat("events checked: ", report.events, "\n",
                   "head:           ", FormatDigest(report.head), "\n");
  if (options.digest.has_value()) {
    absl::StrAppend(&out, "digest:         ", FormatDigest(*options.digest), "\n");
  }
  if (note.present) {
    absl::StrAppend(&out, "signature:      ed25519 key ", note.key_id, ", ",
                    SignatureWord(note), "\n");
  }
  absl::StrAppend(&out, "verdict:        ", report.ok ? "OK" : "FAILED", "\n");
  return out;
}

std::string RenderJson(const VerifyReport& report, const VerifyOptions& options,
                       const SignatureNote& note) {
  JsonWriter w;
  w.BeginObject();
  w.Key("events").Uint(report.events);
  w.Key("head").String(FormatDigest(report.head));
  if (options.digest.has_value()) {
    w.Key("digest").String(FormatDigest(*options.digest));
  }
  if (note.present) {
    w.Key("key_id").String(note.key_id);
    w.Key("signature").String(note.checked ? "good" : "not checked");
  }
  w.Key("ok").Bool(report.ok);
  if (!report.ok) {
    w.Key("first_bad_seq").Uint(report.first_bad_seq);
    w.Key("problem").String(report.problem);
    if (options.digest.has_value()) {
      w.Key("digest_mismatch").Bool(report.digest_mismatch);
    }
  }
  w.EndObject();
  return w.str() + "\n";
}

}  // namespace

const CommandSpec& VerifySpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "verify",
      .summary = "prove the hash chain intact, and that it extends a digest",
      .usage = kUsage,
      .options = {"db", "digest", "format", "pubkey"},
      .formats = {Format::kText, Format::kJson},
      .required = {"db"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunVerify(std::span<char* const> args) {
  const CommandSpec& spec = VerifySpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  VerifyOptions options;
  SignatureNote note;
  if (parsed.Has("digest")) {
    absl::StatusOr<SignedDigest> digest = ParseSignedDigest(parsed.Get("digest"));
    if (!digest.ok()) {
      return UsageError(spec, absl::StrCat("--digest: ", digest.status().message()));
    }
    options.digest = digest->digest;
    note.present = digest->signed_();
    note.key_id = absl::BytesToHexString(digest->key_id);
    if (parsed.Has("pubkey")) {
      if (!note.present) {
        return UsageError(spec,
                          "--pubkey checks a signed digest: give --digest the "
                          "line `ledgerctl digest --sign` printed");
      }
      // Before the log is read: a digest that is not the platform's proves
      // nothing about the log.
      absl::Status good = CheckSignatureWithKeyFile(*digest, parsed.Get("pubkey"));
      if (!good.ok()) {
        return Fail("verify", "the digest's signature does not check", good,
                    absl::IsPermissionDenied(good)
                        ? "The log was not read"
                        : "Give --pubkey the platform's Ed25519 public key in PEM");
      }
      note.checked = true;
    }
  } else if (parsed.Has("pubkey")) {
    return UsageError(spec, "--pubkey needs --digest, the signed digest to check");
  }
  const Format format = parsed.format;
  const std::string dir = parsed.Get("db");

  std::unique_ptr<ProgressBar> bar;
  options.progress = ProgressCallback("verify", &bar);
  absl::StatusOr<VerifyReport> report = VerifyLog(dir, options);
  bar.reset();  // ends the bar's line before the results
  if (!report.ok()) {
    return Fail("verify", "cannot read the ledger in " + dir, report.status());
  }
  const std::string out = format == Format::kJson
                              ? RenderJson(*report, options, note)
                              : RenderText(*report, options, note);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (!report->ok && report->digest_mismatch) {
    // Nothing in the log is known bad: it is the digest that does not
    // match, which is said before any word of a rewrite (the problem says
    // whether the digest is of this log at all).
    const uint64_t seq = report->first_bad_seq;
    return FailWith(
        "verify",
        absl::StrCat("the log in ", dir, " does not match the digest at seq ",
                     seq,
                     seq > 1 ? absl::StrCat(" (its chain checks good up to seq ",
                                            seq - 1, ")")
                             : std::string(),
                     ": ", report->problem));
  }
  if (!report->ok) {
    return FailWith("verify",
                    absl::StrCat("the log in ", dir,
                                 " does not verify: first bad event seq ",
                                 report->first_bad_seq, ": ", report->problem));
  }
  return kExitOk;
}

}  // namespace ledger::tools
