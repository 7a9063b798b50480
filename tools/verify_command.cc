// `ledgerctl verify --db DIR [--digest SEQ:HASH]`: proves from the events
// alone that the hash chain is intact and the stored head is its end, and
// that the log still extends a digest published earlier.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/base/json_writer.h"
#include "ledger/verify.h"
#include "tools/commands.h"
#include "tools/failure.h"
#include "tools/progress.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl verify --db DIR [--digest SEQ:HASH]\n"
    "                        [--format text|json]\n"
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
    "the log still holds the very events the digest was taken of.\n"
    "\n"
    "Checks the chain only; `ledgerctl replay` also judges every decision\n"
    "again and compares the projections. Only reads: DIR is never written\n"
    "or created, and verify runs beside a live writer.\n"
    "\n"
    "Options:\n"
    "  --db DIR             the ledger's folder\n"
    "  --digest SEQ:HASH    a digest printed earlier by `ledgerctl digest`\n"
    "  --format F           text (default) or json (one document: {\"events\",\n"
    "                       \"head\", \"digest\" when given, \"ok\", and when\n"
    "                       not ok \"first_bad_seq\" and \"problem\"})\n"
    "  --help               print this help\n"
    "\n"
    "Prints the events checked, the head as SEQ:HASH and the verdict.\n"
    "Exit status: 0 when the log verifies, 1 when it does not (the first\n"
    "bad sequence number and the problem go to stderr) or cannot be read,\n"
    "2 on bad usage (including a malformed digest).\n"
    "\n"
    "Examples:\n"
    "  ledgerctl verify --db /tmp/ledger\n"
    "  ledgerctl verify --db /tmp/ledger --digest 42:3b1f...e07a\n";

std::string RenderText(const VerifyReport& report,
                       const VerifyOptions& options) {
  std::string out =
      absl::StrCat("events checked: ", report.events, "\n",
                   "head:           ", FormatDigest(report.head), "\n");
  if (options.digest.has_value()) {
    absl::StrAppend(&out, "digest:         ", FormatDigest(*options.digest), "\n");
  }
  absl::StrAppend(&out, "verdict:        ", report.ok ? "OK" : "FAILED", "\n");
  return out;
}

std::string RenderJson(const VerifyReport& report,
                       const VerifyOptions& options) {
  JsonWriter w;
  w.BeginObject();
  w.Key("events").Uint(report.events);
  w.Key("head").String(FormatDigest(report.head));
  if (options.digest.has_value()) {
    w.Key("digest").String(FormatDigest(*options.digest));
  }
  w.Key("ok").Bool(report.ok);
  if (!report.ok) {
    w.Key("first_bad_seq").Uint(report.first_bad_seq);
    w.Key("problem").String(report.problem);
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
      .options = {"db", "digest", "format"},
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
  if (parsed.Has("digest")) {
    absl::StatusOr<LogDigest> digest = ParseDigest(parsed.Get("digest"));
    if (!digest.ok()) {
      return UsageError(spec, absl::StrCat("--digest: ", digest.status().message()));
    }
    options.digest = *digest;
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
                              ? RenderJson(*report, options)
                              : RenderText(*report, options);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (!report->ok) {
    return FailWith("verify",
                    absl::StrCat("the log in ", dir,
                                 " does not verify: first bad event seq ",
                                 report->first_bad_seq, ": ", report->problem));
  }
  return kExitOk;
}

}  // namespace ledger::tools
