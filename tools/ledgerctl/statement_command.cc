// `ledgerctl statement --db DIR --customer ID [--from TIME] [--to TIME]
// [--format text|json|jsonl|csv]`: a customer's events with their postings and
// the running balance (ledger/statement.h).
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/customer_reads.h"
#include "ledger/export.h"
#include "ledger/log_reader.h"
#include "ledger/statement.h"
#include "ledger/time_util.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl statement --db DIR --customer ID [--from TIME] "
    "[--to TIME]\n"
    "                           [--format text|json|jsonl|csv]\n"
    "       ledgerctl statement --db DIR --customer ID --from-seq N "
    "[--limit M]\n"
    "                           [--format jsonl|csv]\n"
    "\n"
    "Prints the statement of a customer: every event of the customer in log\n"
    "order whose time is in [--from, --to) (--to excluded, as in every\n"
    "ledgerctl period, so that consecutive periods share no event), each with its\n"
    "postings, the policy version it was decided under, and the running\n"
    "balance after it. The running balance is folded from the postings of\n"
    "all the customer's events from the first one on (events before --from\n"
    "make the opening balance):\n"
    "  in_lots         credits in the customer's lots: -balance of\n"
    "                  CUSTOMER_LOTS, i.e. the sum of the lots' remaining that\n"
    "                  `ledgerctl balance` lists (its `available` too, unless\n"
    "                  a lot has expired and no `expire` has swept it yet)\n"
    "  held            credits in pending holds: balance's `held`\n"
    "  refund_pending  credits frozen by pending refunds: balance's\n"
    "                  `refund_pending`\n"
    "  total           in_lots + held + refund_pending\n"
    "  cash_refunded   cash refunds approved so far, per currency (minor\n"
    "                  units): -balance of REFUNDS_PAYABLE\n"
    "After the customer's last event these equal `ledgerctl balance`.\n"
    "`credits` of an event is its change of in_lots.\n"
    "\n"
    "Formats:\n"
    "  text   a statement to hand to a customer: a header (customer, period,\n"
    "         opening and closing balance), one line per event (date, seq,\n"
    "         credits +/-, running balance, policy version, what happened)\n"
    "         and its postings indented below it\n"
    "  jsonl  JSON Lines: {\"type\": \"opening\", ...}, one {\"type\": \"event\",\n"
    "         ...} per event (seq, at, key, kind, description, policy_version,\n"
    "         credits, balance, command, postings), {\"type\": \"closing\", ...}\n"
    "  json   the same objects in one JSON document: {\"opening\": {...},\n"
    "         \"events\": [...], \"closing\": {...}}\n"
    "  csv    RFC 4180 with a header row; an opening row, one row per event,\n"
    "         a closing row\n"
    "\n"
    "Options:\n"
    "  --db DIR         the ledger's folder\n"
    "  --customer ID    the customer\n"
    "  --from TIME      start of the period, included (default: the\n"
    "                   customer's first event)\n"
    "  --to TIME        end of the period, excluded (default: after the\n"
    "                   customer's last event)\n"
    "                   TIME: RFC 3339 (2026-03-08T10:00:00Z) or a date\n"
    "                   alone (2026-03-08: its midnight UTC)\n"
    "  --format F       text (default), json, jsonl or csv\n"
    "  --from-seq N     page through the customer's history instead: print\n"
    "                   the customer's events with seq >= N (N >= 1), oldest\n"
    "                   first, each as the line (jsonl, the default here) or\n"
    "                   rows (csv, with its header) `ledgerctl export` prints\n"
    "                   for it; no running balance. Read through the\n"
    "                   customer index, so a page costs its own events, not\n"
    "                   the log's\n"
    "  --limit M        events per page, 1 to 1000 (default 100; only with\n"
    "                   --from-seq). When the customer has more events after\n"
    "                   the page, stderr ends with `next page: --from-seq K`:\n"
    "                   K is the seq of the next event (ask again with it);\n"
    "                   without that line the page ends the history. A page\n"
    "                   is one snapshot; events written meanwhile come in\n"
    "                   later pages, never twice\n"
    "  --help           print this help\n"
    "\n"
    "Only reads: DIR is never written or created, and statement runs beside\n"
    "a live writer.\n"
    "\n"
    "Exit status: 0 on success, 1 for no ledger in DIR, an unknown customer\n"
    "or a failure of the ledger, 2 on bad usage.\n"
    "\n"
    "Examples:\n"
    "  ledgerctl statement --db /tmp/ledger --customer c1 \\\n"
    "    --from 2026-03-01 --to 2026-04-01\n"
    "  ledgerctl statement --db /tmp/ledger --customer c1 --from-seq 1 "
    "--limit 50\n";

}  // namespace

const CommandSpec& StatementSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "statement",
      .summary = "print a customer's events with postings and running balance",
      .usage = kUsage,
      .options = {"db", "customer", "from", "to", "format", "from-seq",
                  "limit"},
      .formats = {Format::kText, Format::kJson, Format::kJsonl, Format::kCsv},
      .required = {"db", "customer"},
      .max_positionals = 0,
  };
  return *spec;
}

// One page of the customer's history (--from-seq, --limit): export lines
// or rows, and the next page's seq on stderr.
int RunStatementPage(const CommandSpec& spec, const Args& parsed) {
  int exit_code = kExitOk;
  if (parsed.Has("from") || parsed.Has("to")) {
    return UsageError(spec, "--from-seq pages by seq: give it without --from and --to");
  }
  const bool csv = parsed.Has("format") && parsed.format == Format::kCsv;
  if (parsed.Has("format") && !csv && parsed.format != Format::kJsonl) {
    return UsageError(spec, "a page (--from-seq) is printed as jsonl or csv");
  }
  int64_t from_seq = 0;
  int64_t limit = 0;
  if (!ParseIntOption(spec, parsed, "from-seq", 1, 1, INT64_MAX, &from_seq,
                      &exit_code) ||
      !ParseIntOption(spec, parsed, "limit", 100, 1,
                      static_cast<int64_t>(kMaxCustomerEventPage), &limit,
                      &exit_code)) {
    return exit_code;
  }
  const std::string dir = parsed.Get("db");
  const std::string customer = parsed.Get("customer");
  absl::StatusOr<CustomerEventPage> page =
      ReadCustomerEvents(dir, customer, static_cast<uint64_t>(from_seq),
                         static_cast<size_t>(limit));
  if (!page.ok()) {
    return Fail("statement",
                "cannot read the events of '" + customer + "' in " + dir,
                page.status());
  }
  std::string out = csv ? kExportCsvHeader : "";
  for (const CustomerEvent& e : page->events) {
    out += ExportCustomerEvent(e, csv ? ExportFormat::kCsv : ExportFormat::kJsonl);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return kExitFailure;
  if (page->next_from_seq.has_value()) {
    std::fprintf(stderr, "next page: --from-seq %llu\n",
                 static_cast<unsigned long long>(*page->next_from_seq));
  }
  return kExitOk;
}

int RunStatement(std::span<char* const> args) {
  const CommandSpec& spec = StatementSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  if (parsed.Has("from-seq")) return RunStatementPage(spec, parsed);
  if (parsed.Has("limit")) return UsageError(spec, "--limit goes with --from-seq");
  const Format format_option = parsed.format;
  StatementFormat format = StatementFormat::kText;
  switch (format_option) {
    case Format::kText: format = StatementFormat::kText; break;
    case Format::kJson: format = StatementFormat::kJson; break;
    case Format::kJsonl: format = StatementFormat::kJsonl; break;
    case Format::kCsv: format = StatementFormat::kCsv; break;
  }
  StatementPeriod period;
  if (!ParsePeriodOptions(spec, parsed, &period.from_us, &period.to_us,
                          &exit_code)) {
    return exit_code;
  }
  const std::string dir = parsed.Get("db");
  const std::string customer = parsed.Get("customer");
  // Read from the log alone, beside a live writer too, and never creating
  // DIR, like every audit command (docs/audit.md).
  if (absl::StatusOr<LogHead> head = ReadLogHead(dir); !head.ok()) {
    return Fail("statement", "cannot read the ledger in " + dir, head.status());
  }
  absl::StatusOr<Statement> statement =
      ReadStatement(dir, customer, period);
  if (!statement.ok()) {
    if (absl::IsNotFound(statement.status())) {
      return Fail("statement",
                  "cannot read the statement of '" + customer + "' in " + dir,
                  absl::NotFoundError("unknown customer '" + customer + "'"),
                  "List the customers with `ledgerctl customers --db " + dir +
                      "`");
    }
    return Fail("statement",
                "cannot read the statement of '" + customer + "' in " + dir,
                statement.status());
  }
  const std::string out = RenderStatement(*statement, format);
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return kExitFailure;
  return kExitOk;
}

}  // namespace ledger::tools
