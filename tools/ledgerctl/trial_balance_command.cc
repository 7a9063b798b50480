// `ledgerctl trial-balance --db DIR [--as-of TIME] [--format text|json]`:
// the postings of every event up to TIME summed per account and unit, with
// the total per unit and whether each unit nets to zero (docs/accounting.md,
// invariant 1).
#include <cstdio>
#include <optional>
#include <string>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/base/json_writer.h"
#include "ledger/time_util.h"
#include "ledger/trial_balance.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl trial-balance --db DIR [--as-of TIME]\n"
    "                               [--format text|json]\n"
    "\n"
    "Sums the postings of every event whose `at` is at or before TIME\n"
    "(default: every event) per account and unit (CREDITS and each\n"
    "currency), summed over all customers: debit (the positive postings),\n"
    "credit (the negative ones) and net = debit - credit, the account's\n"
    "balance (docs/accounting.md: a liability such as CUSTOMER_LOTS nets\n"
    "negative). Then the total per unit and whether it nets to zero, as\n"
    "every journal entry must. The log's hash chain is verified first\n"
    "(`ledgerctl verify`), so the sums come from an intact log.\n"
    "\n"
    "Only reads: DIR is never written or created, and trial-balance runs\n"
    "beside a live writer.\n"
    "\n"
    "Options:\n"
    "  --db DIR        the ledger's folder\n"
    "  --as-of TIME    an instant, events dated at it included, like\n"
    "                  `balance --at`: RFC 3339 or a date alone (its\n"
    "                  midnight UTC); default: every event\n"
    "  --format FMT    text (default; a table for a person) or json (one\n"
    "                  object: as_of, events_read, events_summed, lines\n"
    "                  [{unit, account, debit, credit, net}], totals [{unit,\n"
    "                  debit, credit, net, balanced}], balanced)\n"
    "  --help          print this help\n"
    "\n"
    "Exit status: 0 when every unit nets to zero, 1 when one does not (the\n"
    "table is still printed), when the log does not verify or cannot be\n"
    "read, 2 on bad usage.\n"
    "\n"
    "Examples:\n"
    "  ledgerctl trial-balance --db /tmp/ledger\n"
    "  ledgerctl trial-balance --db /tmp/ledger --as-of 2026-03-31T23:59:59Z "
    "--format json\n";

std::string RenderJson(const TrialBalance& tb, std::optional<int64_t> as_of_us) {
  JsonWriter w;
  w.BeginObject();
  w.Key("as_of");
  if (as_of_us.has_value()) {
    w.String(FormatTimeUs(*as_of_us));
  } else {
    w.Null();
  }
  w.Key("events_read").Uint(tb.events_read);
  w.Key("events_summed").Uint(tb.events_summed);
  w.Key("lines").BeginArray();
  for (const TrialBalanceLine& line : tb.lines) {
    w.BeginObject();
    w.Key("unit").String(line.unit);
    w.Key("account").String(v1::Account_Name(line.account));
    w.Key("debit").Int128(line.debit);
    w.Key("credit").Int128(line.credit);
    w.Key("net").Int128(line.net());
    w.EndObject();
  }
  w.EndArray();
  w.Key("totals").BeginArray();
  for (const TrialBalanceTotal& total : tb.totals) {
    w.BeginObject();
    w.Key("unit").String(total.unit);
    w.Key("debit").Int128(total.debit);
    w.Key("credit").Int128(total.credit);
    w.Key("net").Int128(total.debit - total.credit);
    w.Key("balanced").Bool(total.balanced());
    w.EndObject();
  }
  w.EndArray();
  w.Key("balanced").Bool(tb.balanced());
  w.EndObject();
  return w.str() + "\n";
}

std::string Row(std::string_view unit, std::string_view account,
                __int128 debit, __int128 credit, std::string_view note) {
  return absl::StrFormat("%-8s %-24s %22d %22d %22d%s\n", std::string(unit),
                         std::string(account), absl::int128(debit),
                         absl::int128(credit), absl::int128(debit - credit),
                         std::string(note));
}

// A table an auditor reads: one block per unit, its accounts, then its
// total and whether it nets to zero.
std::string RenderText(const TrialBalance& tb, std::optional<int64_t> as_of_us) {
  std::string out = absl::StrCat(
      "trial balance as of ",
      as_of_us.has_value() ? FormatTimeUs(*as_of_us) : "the head", ": ",
      tb.events_summed, " of ", tb.events_read, " events\n\n");
  absl::StrAppend(&out, absl::StrFormat("%-8s %-24s %22s %22s %22s\n", "unit",
                                        "account", "debit", "credit", "net"));
  size_t next = 0;
  for (const TrialBalanceTotal& total : tb.totals) {
    for (; next < tb.lines.size() && tb.lines[next].unit == total.unit; ++next) {
      const TrialBalanceLine& line = tb.lines[next];
      absl::StrAppend(&out, Row(line.unit, v1::Account_Name(line.account),
                                line.debit, line.credit, ""));
    }
    absl::StrAppend(&out, Row(total.unit, "total", total.debit, total.credit,
                              total.balanced() ? "  balanced"
                                               : "  NOT BALANCED"),
                    "\n");
  }
  absl::StrAppend(&out, "verdict: ",
                  tb.balanced() ? "OK, every unit nets to zero"
                                : "FAILED, a unit does not net to zero",
                  "\n");
  return out;
}

}  // namespace

const CommandSpec& TrialBalanceSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "trial-balance",
      .summary = "sum the journal per account and unit; check it nets to zero",
      .usage = kUsage,
      .options = {"db", "as-of", "format"},
      .formats = {Format::kText, Format::kJson},
      .required = {"db"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunTrialBalance(std::span<char* const> args) {
  const CommandSpec& spec = TrialBalanceSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  std::optional<int64_t> as_of_us;
  if (!ParseTimeOption(spec, parsed, "as-of", &as_of_us, &exit_code)) {
    return exit_code;
  }
  const Format format = parsed.format;
  const std::string dir = parsed.Get("db");
  absl::StatusOr<TrialBalance> tb = ComputeTrialBalance(dir, as_of_us);
  if (!tb.ok()) {
    return Fail("trial-balance", "cannot read the ledger in " + dir,
                tb.status());
  }
  const std::string out =
      format == Format::kJson ? RenderJson(*tb, as_of_us) : RenderText(*tb, as_of_us);
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return kExitFailure;
  if (!tb->balanced()) {
    return FailWith("trial-balance",
                    "a unit does not net to zero: the ledger's journal does "
                    "not balance. Run `ledgerctl replay --db " + dir +
                        "` to find the first bad event.");
  }
  return kExitOk;
}

}  // namespace ledger::tools
