// `ledgerctl digest --db DIR [--format text|json]`: prints the head of the log as SEQ:HASH, the
// digest an auditor publishes and later checks with `ledgerctl verify`.
#include <cstdio>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"

#include "ledger/base/json_writer.h"
#include "ledger/signed_digest.h"
#include "ledger/verify.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"
#include "tools/ledgerctl/key_file.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl digest --db DIR [--sign KEY.pem] [--format text|json]\n"
    "\n"
    "Prints the head of the event log as one line SEQ:HASH: the sequence\n"
    "number of the last event and the chained hash the ledger stores for it\n"
    "(64 hex digits). The hash of event n is SHA-256(hash of n-1 || the bytes\n"
    "of n), so it commits to every event up to SEQ. Publish the line where\n"
    "the ledger's operator cannot change it; later,\n"
    "`ledgerctl verify --db DIR --digest SEQ:HASH` proves the log still holds\n"
    "exactly those events. An empty ledger prints 0 and 64 zeros.\n"
    "\n"
    "The digest is read as stored, not checked: run `ledgerctl verify` first\n"
    "to know the log up to it is intact. Only reads: DIR is never written or\n"
    "created, and digest runs beside a live writer.\n"
    "\n"
    "With --sign KEY.pem (an Ed25519 private key in PEM, e.g. from\n"
    "`openssl genpkey -algorithm ed25519 -out KEY.pem`) the line is signed:\n"
    "  SEQ:HASH:ed25519:KEYID:SIGNATURE\n"
    "SIGNATURE (128 hex digits) is the Ed25519 signature of exactly the\n"
    "bytes \"credit-ledger digest v1\\n\" followed by SEQ:HASH (lower-case\n"
    "hex, no line break); KEYID (16 hex digits) is the first 8 bytes of\n"
    "SHA-256 of the raw public key, to name the key, not signed. Publish\n"
    "the public key (`openssl pkey -in KEY.pem -pubout -out PUB.pem`);\n"
    "`ledgerctl verify --digest LINE --pubkey PUB.pem` checks both.\n"
    "\n"
    "Options:\n"
    "  --db DIR       the ledger's folder\n"
    "  --sign KEY.pem sign the digest with this Ed25519 private key\n"
    "  --format F     text (default: the line SEQ:HASH, or the signed line)\n"
    "                 or json (one document: {\"seq\", \"hash\", \"digest\"},\n"
    "                 digest being SEQ:HASH; signed, also \"key_id\",\n"
    "                 \"signature\" and \"signed_digest\", the signed line)\n"
    "  --help         print this help\n"
    "\n"
    "Exit status: 0 on success, 1 when there is no ledger in DIR or it\n"
    "cannot be read, or the key cannot be read or is not Ed25519, 2 on bad\n"
    "usage.\n"
    "\n"
    "Example:\n"
    "  ledgerctl digest --db /tmp/ledger\n"
    "  42:3b1f...e07a\n"
    "  ledgerctl digest --db /tmp/ledger --sign platform-key.pem\n"
    "  42:3b1f...e07a:ed25519:5c0e...91d2:8a41...0c0f\n";

}  // namespace

const CommandSpec& DigestSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "digest",
      .summary = "print the log's head as SEQ:HASH, to publish",
      .usage = kUsage,
      .options = {"db", "format", "sign"},
      .formats = {Format::kText, Format::kJson},
      .required = {"db"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunDigest(std::span<char* const> args) {
  const CommandSpec& spec = DigestSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  const Format format = parsed.format;
  const std::string dir = parsed.Get("db");
  std::optional<std::string> key_pem;
  if (parsed.Has("sign")) {
    absl::StatusOr<std::string> pem = ReadKeyFile(parsed.Get("sign"));
    if (!pem.ok()) {
      return Fail("digest", "cannot read the signing key", pem.status(),
                  "Give --sign an Ed25519 private key in PEM");
    }
    key_pem = *std::move(pem);
  }
  absl::StatusOr<LogDigest> digest = ReadDigest(dir);
  if (!digest.ok()) {
    return Fail("digest", "cannot read the ledger in " + dir, digest.status());
  }
  SignedDigest out;
  out.digest = *digest;
  if (key_pem.has_value()) {
    absl::StatusOr<SignedDigest> signed_digest = SignDigest(*digest, *key_pem);
    if (!signed_digest.ok()) {
      return Fail("digest", "cannot sign with " + parsed.Get("sign"),
                  signed_digest.status(),
                  "Make an Ed25519 key with `openssl genpkey -algorithm "
                  "ed25519 -out KEY.pem`");
    }
    out = *std::move(signed_digest);
  }
  const std::string line = FormatDigest(*digest);
  if (format == Format::kJson) {
    JsonWriter w;
    w.BeginObject();
    w.Key("seq").Uint(digest->seq);
    w.Key("hash").String(line.substr(line.find(':') + 1));
    w.Key("digest").String(line);
    if (out.signed_()) {
      w.Key("key_id").String(absl::BytesToHexString(out.key_id));
      w.Key("signature").String(absl::BytesToHexString(out.signature));
      w.Key("signed_digest").String(FormatSignedDigest(out));
    }
    w.EndObject();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("%s\n", FormatSignedDigest(out).c_str());
  }
  if (std::fflush(stdout) != 0) return kExitFailure;
  return kExitOk;
}

}  // namespace ledger::tools
