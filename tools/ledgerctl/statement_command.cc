// `ledgerctl statement --db DIR --customer ID [--from TIME] [--to TIME]
// [--format text|json|jsonl|csv]`: a customer's events with their postings and
// the running balance (ledger/statement.h).
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
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
    "  --help           print this help\n"
    "\n"
    "Only reads: DIR is never written or created, and statement runs beside\n"
    "a live writer.\n"
    "\n"
    "Exit status: 0 on success, 1 for no ledger in DIR, an unknown customer\n"
    "or a failure of the ledger, 2 on bad usage.\n"
    "\n"
    "Example:\n"
    "  ledgerctl statement --db /tmp/ledger --customer c1 \\\n"
    "    --from 2026-03-01 --to 2026-04-01\n";

}  // namespace

const CommandSpec& StatementSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "statement",
      .summary = "print a customer's events with postings and running balance",
      .usage = kUsage,
      .options = {"db", "customer", "from", "to", "format"},
      .formats = {Format::kText, Format::kJson, Format::kJsonl, Format::kCsv},
      .required = {"db", "customer"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunStatement(std::span<char* const> args) {
  const CommandSpec& spec = StatementSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
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
