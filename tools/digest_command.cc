// `ledgerctl digest --db DIR [--format text|json]`: prints the head of the log as SEQ:HASH, the
// digest an auditor publishes and later checks with `ledgerctl verify`.
#include <cstdio>
#include <string>

#include "ledger/base/json_writer.h"
#include "ledger/verify.h"
#include "tools/commands.h"
#include "tools/failure.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl digest --db DIR [--format text|json]\n"
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
    "Options:\n"
    "  --db DIR   the ledger's folder\n"
    "  --format F text (default: the line SEQ:HASH) or json (one document:\n"
    "             {\"seq\", \"hash\", \"digest\"}, digest being SEQ:HASH)\n"
    "  --help     print this help\n"
    "\n"
    "Exit status: 0 on success, 1 when there is no ledger in DIR or it\n"
    "cannot be read, 2 on bad usage.\n"
    "\n"
    "Example:\n"
    "  ledgerctl digest --db /tmp/ledger\n"
    "  42:3b1f...e07a\n";

}  // namespace

const CommandSpec& DigestSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "digest",
      .summary = "print the log's head as SEQ:HASH, to publish",
      .usage = kUsage,
      .options = {"db", "format"},
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
  absl::StatusOr<LogDigest> digest = ReadDigest(dir);
  if (!digest.ok()) {
    return Fail("digest", "cannot read the ledger in " + dir, digest.status());
  }
  const std::string line = FormatDigest(*digest);
  if (format == Format::kJson) {
    JsonWriter w;
    w.BeginObject();
    w.Key("seq").Uint(digest->seq);
    w.Key("hash").String(line.substr(line.find(':') + 1));
    w.Key("digest").String(line);
    w.EndObject();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("%s\n", line.c_str());
  }
  if (std::fflush(stdout) != 0) return kExitFailure;
  return kExitOk;
}

}  // namespace ledger::tools
