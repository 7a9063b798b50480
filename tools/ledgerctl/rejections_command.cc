// `ledgerctl rejections --db DIR [--customer X] [--code C] [--from T1]
// [--to T2] [--after CURSOR] [--limit N] [--format text|json|jsonl|csv]`:
// the refusal journal (ledger/rejections.h), the commands the ledger
// rejected, oldest first.
#include <cstdio>
#include <limits>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ledger/pages.h"
#include "ledger/rejections.h"
#include "ledger/time_util.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"
#include "tools/ledgerctl/table_output.h"
#include "tools/render/rejections_json.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl rejections --db DIR [--customer ID] [--code CODE]\n"
    "                            [--from T1] [--to T2]\n"
    "                            [--after CURSOR] [--limit N]\n"
    "                            [--format text|json|jsonl|csv]\n"
    "\n"
    "Lists the commands the ledger rejected, oldest first, from its refusal\n"
    "journal: a record of its own beside the event log, never in it (a\n"
    "digest, verify, replay and export do not cover it). Each row: when the\n"
    "writer recorded it (its clock), the customer, the command's key and\n"
    "kind, the rejection code and message, the actor who sent it (empty\n"
    "until actors are recorded), and the command's own `at`.\n"
    "\n"
    "The journal keeps refusals for the retention the ledger's writer was\n"
    "given (`apply` and `ledgerd --rejection-retention`, default 90 days);\n"
    "older ones are dropped. Commands refused at the edge, before reaching\n"
    "the ledger (e.g. --max-future), and duplicates are not in it. A crash\n"
    "may lose the refusals of the last moments, never an accepted command.\n"
    "\n"
    "Options:\n"
    "  --db DIR        the ledger's folder\n"
    "  --customer ID   only this customer's refusals\n"
    "  --code CODE     only this rejection code (e.g. REFUND_WINDOW_CLOSED)\n"
    "  --from T1       only those recorded at or after T1\n"
    "  --to T2         only those recorded before T2 (excluded)\n"
    "                  T1, T2: RFC 3339 (2026-03-08T10:00:00Z) or a date\n"
    "                  alone (2026-03-08: its midnight UTC)\n"
    "  --limit N       page: at most N refusals (1..1000); the next page's\n"
    "                  cursor is the JSON's next_after, else a last line\n"
    "                  'next page: --after CURSOR' (on stderr for csv and\n"
    "                  jsonl)\n"
    "  --after CURSOR  page: those after the cursor a page gave\n"
    "  --format F      text (default, a table), json ({\"rejections\": [...],\n"
    "                  \"next_after\": null}, as ledgerd's HTTP API answers),\n"
    "                  jsonl (one object a line) or csv (RFC 4180, a header\n"
    "                  row); the same columns in each\n"
    "  --help          print this help\n"
    "\n"
    "With --customer the journal's per-customer index is read, so the cost\n"
    "is that customer's refusals, not the journal's (a journal no writer of\n"
    "this version has opened yet is scanned).\n"
    "\n"
    "Only reads: DIR is never written or created, and rejections runs beside\n"
    "a live writer. Exit status: 0 on success (also when none match), 1\n"
    "when there is no ledger in DIR or it cannot be read, 2 on bad usage.\n"
    "\n"
    "Example:\n"
    "  ledgerctl rejections --db /tmp/ledger --customer c2 --code REFUND_NOT_PENDING\n";

}  // namespace

const CommandSpec& RejectionsSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "rejections",
      .summary = "list the commands the ledger rejected (the refusal journal)",
      .usage = kUsage,
      .options = {"db", "customer", "code", "from", "to", "after", "limit",
                  "format"},
      .formats = {Format::kText, Format::kJson, Format::kJsonl, Format::kCsv},
      .required = {"db"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunRejections(std::span<char* const> args) {
  const CommandSpec& spec = RejectionsSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  RejectionFilter filter;
  if (parsed.Has("customer")) filter.customer = parsed.Get("customer");
  if (parsed.Has("code")) {
    v1::RejectionCode code = v1::REJECTION_CODE_UNSPECIFIED;
    if (!v1::RejectionCode_Parse(parsed.Get("code"), &code) ||
        code == v1::REJECTION_CODE_UNSPECIFIED) {
      return UsageError(spec, absl::StrCat("--code: '", parsed.Get("code"),
                                           "' is not a rejection code "
                                           "(docs/contract.md section 5)"));
    }
    filter.code = code;
  }
  if (!ParsePeriodOptions(spec, parsed, &filter.from_us, &filter.to_us,
                          &exit_code)) {
    return exit_code;
  }
  // Without --limit every refusal that matches, in one page.
  int64_t limit = 0;
  if (!ParseIntOption(spec, parsed, "limit", 0, 1, kMaxPageLimit, &limit,
                      &exit_code)) {
    return exit_code;
  }
  const std::string after = parsed.Has("after") ? parsed.Get("after") : "";
  const std::string dir = parsed.Get("db");
  absl::StatusOr<RejectionPage> page =
      ReadRejectionPage(dir, filter, after,
                        limit == 0 ? std::numeric_limits<size_t>::max()
                                   : static_cast<size_t>(limit));
  if (absl::IsInvalidArgument(page.status())) {
    return UsageError(spec, std::string(page.status().message()));
  }
  if (!page.ok()) {
    return Fail("rejections", "cannot read the refusals of the ledger in " + dir,
                page.status());
  }
  std::string out;
  if (parsed.format == Format::kJson) {
    out = render::RejectionPageJson(*page) + "\n";
  } else {
    Table table;
    table.columns = {"recorded_at", "customer", "key",  "kind",
                     "code",        "message",  "actor", "at"};
    for (const v1::RejectionRecord& r : page->rejections) {
      table.rows.push_back({FormatTimeUs(r.recorded_at_us()), r.customer(),
                            r.key(), r.kind(), v1::RejectionCode_Name(r.code()),
                            r.message(), r.actor(), r.at()});
    }
    out = RenderTable(table, parsed.format, "rejections",
                      "no rejections recorded");
    if (page->next_after.has_value()) {
      const std::string next =
          absl::StrCat("next page: --after ", *page->next_after, "\n");
      // Only the table has room for it: csv and jsonl stay parseable.
      if (parsed.format == Format::kText) {
        out += next;
      } else {
        std::fputs(next.c_str(), stderr);
      }
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace ledger::tools
