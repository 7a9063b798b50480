// `ledgerctl balance --db DIR --customer ID [--at TIME] [--as-of-seq N]`
// (docs/contract.md sections 6 and 7): prints a customer's balance as one
// line of JSON, from the stored projections (read beside a live writer, as
// every reading command is) or, for an audit, from the state rebuilt to
// event N.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/base/json_writer.h"
#include "ledger/customer_reads.h"
#include "ledger/replay.h"
#include "ledger/stored_state.h"
#include "ledger/time_util.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"
#include "tools/render/balance_json.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl balance --db DIR --customer ID [--at TIME]\n"
    "                         [--as-of-seq N | --as-of TIME]\n"
    "                         [--format json|text]\n"
    "\n"
    "Prints the balance of a customer at TIME (docs/contract.md section 6)\n"
    "as one JSON document on one line:\n"
    "customer, status, available, held, refund_pending, available_by_category\n"
    "(when a lot not expired at TIME is limited to some categories: what a\n"
    "use of each category could spend), lots (in consumption order; with\n"
    "applies_to, priority and voided when they are not the defaults),\n"
    "refundable {credits, cash per currency} and, once the customer\n"
    "has subscribed, subscription {plan, period_end, cancelled}; alerts\n"
    "[{code, credits, in_alert}] and auto_top_up {below, target, pending}\n"
    "when set (docs/alerts.md); last,\n"
    "expiring: the credits that expire per UTC day over the 30 days after\n"
    "TIME, [{date, credits}, ...] for the days with credits, earliest first\n"
    "(credits in a pending hold or refund are not counted until they return\n"
    "to their lot).\n"
    "\n"
    "With --as-of-seq N the balance is computed from the state rebuilt from\n"
    "the log alone up to event N, which checks the log up to there as\n"
    "`ledgerctl replay --until-seq N` does. TIME still defaults to now:\n"
    "give --at (e.g. the time of event N) to see the balance as the\n"
    "customer saw it then.\n"
    "\n"
    "With --as-of TIME the balance is the customer's state as its own\n"
    "events with `at` at or before TIME leave it, seen at TIME: what the\n"
    "customer held then (lots, holds, pending refunds, status), from the\n"
    "customer's events alone, read through the customer index (so it costs\n"
    "that customer's events, not the log's). --at TIME instead shows today's\n"
    "state (every event so far) seen at TIME: which lots had expired, what\n"
    "was refundable. --as-of-seq N cuts the log by position, not by time,\n"
    "and checks it up to there as replay does. --as-of takes no --at and no\n"
    "--as-of-seq; an unknown customer at TIME (no event at or before it) is\n"
    "an error.\n"
    "\n"
    "Only reads: DIR is never written or created, and balance runs beside\n"
    "a live writer (the platform keeps the ledger open), reading what it\n"
    "has committed.\n"
    "\n"
    "Options:\n"
    "  --db DIR        the ledger's folder\n"
    "  --customer ID   the customer\n"
    "  --at TIME       an RFC 3339 time, e.g. 2026-03-08T10:00:00Z, or a\n"
    "                  date alone, 2026-03-08: its midnight UTC (default: now)\n"
    "  --as-of-seq N   rebuild the state to event N (1 .. the head's seq)\n"
    "                  instead of reading the stored projections\n"
    "  --as-of TIME    the customer's own events up to TIME, seen at TIME\n"
    "  --format F      json (the default): the contract's object on one line;\n"
    "                  text: the same for a person, one field a line and a\n"
    "                  table of the lots\n"
    "  --help          print this help\n"
    "\n"
    "Exit status: 0 on success, 1 for no ledger in DIR, an unknown customer\n"
    "(at N: one that did not exist yet), N past the head, a log that fails\n"
    "its checks up to N, or a failure of the ledger, 2 on bad usage.\n"
    "\n"
    "Examples:\n"
    "  ledgerctl balance --db /tmp/ledger --customer c1 "
    "--at 2026-03-09T00:00:00Z\n"
    "  ledgerctl balance --db /tmp/ledger --customer c1 "
    "--at 2026-03-09T00:00:00Z --as-of-seq 12\n"
    "  ledgerctl balance --db /tmp/ledger --customer c1 "
    "--as-of 2026-03-09T00:00:00Z\n";

// The same fields for a person to read: one a line, then the lots.
std::string RenderBalanceText(const Balance& balance, int64_t at_us) {
  std::string out = absl::StrFormat(
      "Customer %s (%s) at %s\n"
      "Available:       %d\n"
      "Held:            %d\n"
      "Refund pending:  %d\n"
      "Refundable:      %d credits",
      balance.customer, v1::CustomerStatus_Name(balance.status),
      FormatTimeUs(at_us), balance.available, balance.held,
      balance.refund_pending, balance.refundable_credits);
  for (const CashAmount& cash : balance.refundable_cash) {
    absl::StrAppend(&out, ", ", cash.amount_minor, " ", cash.currency,
                    " minor units");
  }
  out.push_back('\n');
  if (balance.subscription.has_value()) {
    const SubscriptionBalance& sub = *balance.subscription;
    absl::StrAppend(&out, "Subscription:    ", sub.plan, ", period ends ",
                    FormatTimeUs(sub.period_end_us),
                    sub.cancelled ? " (cancelled)" : "", "\n");
  }
  absl::StrAppend(&out, "\nLots, in consumption order:\n");
  size_t width = 6;  // "lot_id"
  for (const LotBalance& lot : balance.lots) width = std::max(width, lot.lot_id.size());
  constexpr char kRow[] = "  %-*s  %-12s  %12s  %12s  %-27s  %s\n";
  absl::StrAppend(&out, absl::StrFormat(kRow, static_cast<int>(width), "lot_id",
                                        "source", "granted", "remaining",
                                        "granted at", "expires at"));
  for (const LotBalance& lot : balance.lots) {
    absl::StrAppend(
        &out, absl::StrFormat(kRow, static_cast<int>(width), lot.lot_id,
                              v1::LotSource_Name(lot.source),
                              absl::StrCat(lot.granted), absl::StrCat(lot.remaining),
                              FormatTimeUs(lot.granted_at_us),
                              lot.expires_at_us.has_value()
                                  ? FormatTimeUs(*lot.expires_at_us)
                                  : std::string("never")));
  }
  if (balance.lots.empty()) out.append("  (none)\n");
  if (!balance.expiring.empty()) {
    absl::StrAppend(&out, "\nExpiring over the next ", kExpiringHorizonDays,
                    " days:\n");
    for (const ExpiringCredits& day : balance.expiring) {
      absl::StrAppend(&out, "  ", day.date, "  ", day.credits, "\n");
    }
  }
  return out;
}

// Prints the balance, or what went wrong; returns the exit status.
// NotFound means no ledger in DIR or an unknown customer; the message says
// which, and the hint follows it.
int PrintBalance(const absl::StatusOr<Balance>& balance,
                 const std::string& customer, const std::string& dir,
                 Format format, int64_t at_us) {
  if (!balance.ok()) {
    const absl::Status& s = balance.status();
    std::string hint;
    if (absl::IsNotFound(s) &&
        s.message().find("unknown customer") != absl::string_view::npos) {
      hint = "List the customers with `ledgerctl customers --db " + dir + "`";
    }
    return Fail("balance",
                "cannot read the balance of '" + customer + "' in " + dir, s,
                hint);
  }
  std::string line;
  if (format == Format::kText) {
    line = RenderBalanceText(*balance, at_us);
  } else {
    line = render::BalanceJson(*balance);
    line.push_back('\n');
  }
  std::fwrite(line.data(), 1, line.size(), stdout);
  if (std::fflush(stdout) != 0) return kExitFailure;
  return kExitOk;
}

}  // namespace

const CommandSpec& BalanceSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "balance",
      .summary = "print a customer's balance at a time (default: now)",
      .usage = kUsage,
      .options = {"db", "customer", "at", "as-of-seq", "as-of", "format"},
      // JSON first, the default: the object of docs/contract.md section 6.
      .formats = {Format::kJson, Format::kText},
      .required = {"db", "customer"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunBalance(std::span<char* const> args) {
  const CommandSpec& spec = BalanceSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;

  std::optional<int64_t> at;
  if (!ParseTimeOption(spec, parsed, "at", &at, &exit_code)) return exit_code;
  std::optional<int64_t> as_of;
  if (!ParseTimeOption(spec, parsed, "as-of", &as_of, &exit_code)) return exit_code;
  if (as_of.has_value()) {
    if (parsed.Has("at") || parsed.Has("as-of-seq")) {
      return UsageError(spec, "--as-of is a time of its own: give it without --at and --as-of-seq");
    }
    return PrintBalance(ReadBalanceAsOf(parsed.Get("db"), parsed.Get("customer"), *as_of),
                        parsed.Get("customer"), parsed.Get("db"), parsed.format, *as_of);
  }
  const int64_t at_us = at.value_or(absl::ToUnixMicros(absl::Now()));
  int64_t as_of_seq = 0;
  if (!ParseIntOption(spec, parsed, "as-of-seq", 0, 1, INT64_MAX, &as_of_seq,
                      &exit_code)) {
    return exit_code;
  }
  const std::string dir = parsed.Get("db");
  const std::string customer = parsed.Get("customer");
  if (parsed.Has("as-of-seq")) {
    return PrintBalance(
        BalanceAsOfSeq(dir, customer, at_us, static_cast<uint64_t>(as_of_seq)),
        customer, dir, parsed.format, at_us);
  }
  return PrintBalance(ReadStoredBalance(dir, customer, at_us), customer, dir,
                      parsed.format, at_us);
}

}  // namespace ledger::tools
