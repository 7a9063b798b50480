// `ledgerctl verify --db DIR [--digest SEQ:HASH]`: proves from the events
// alone that the hash chain is intact and the stored head is its end, and
// that the log still extends a digest published earlier.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/verify.h"
#include "tools/commands.h"
#include "tools/progress.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl verify --db DIR [--digest SEQ:HASH]\n"
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
    "again and compares the projections. Reads the ledger without writing\n"
    "to it; DIR is never created.\n"
    "\n"
    "Options:\n"
    "  --db DIR             the ledger's folder\n"
    "  --digest SEQ:HASH    a digest printed earlier by `ledgerctl digest`\n"
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

}  // namespace

const CommandSpec& VerifySpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "verify",
      .summary = "prove the hash chain intact, and that it extends a digest",
      .usage = kUsage,
      .options = {"db", "digest"},
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
  const std::string dir = parsed.Get("db");

  std::unique_ptr<ProgressBar> bar;
  options.progress = ProgressCallback("verify", &bar);
  absl::StatusOr<VerifyReport> report = VerifyLog(dir, options);
  bar.reset();  // ends the bar's line before the results
  if (!report.ok()) {
    std::fprintf(stderr, "ledgerctl verify: cannot read the ledger in %s: %s\n",
                 dir.c_str(), report.status().ToString().c_str());
    return kExitFailure;
  }
  std::printf("events checked: %llu\n",
              static_cast<unsigned long long>(report->events));
  std::printf("head:           %s\n", FormatDigest(report->head).c_str());
  if (options.digest.has_value()) {
    std::printf("digest:         %s\n", FormatDigest(*options.digest).c_str());
  }
  std::printf("verdict:        %s\n", report->ok ? "OK" : "FAILED");
  std::fflush(stdout);
  if (!report->ok) {
    std::fprintf(stderr, "ledgerctl verify: first bad event seq %llu: %s\n",
                 static_cast<unsigned long long>(report->first_bad_seq),
                 report->problem.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace ledger::tools
