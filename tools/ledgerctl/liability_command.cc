// `ledgerctl liability --db DIR --from T1 --to T2 [--format text|json|csv]`
// (docs/contract.md section 8): what the platform owes its customers in
// credits and in cash, and how it moved between T1 and T2. A thin driver over
// LiabilityReportFor (ledger/liability.h).
#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/liability.h"
#include "ledger/time_util.h"
#include "tools/ledgerctl/audit_allocator.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"
#include "tools/render/liability_json.h"
#include "ledger/base/json_writer.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl liability --db DIR --from T1 --to T2\n"
    "                           [--memory-budget-mib M]\n"
    "                           [--format text|json|csv]\n"
    "\n"
    "What the platform owes its customers, and how it moved over the period\n"
    "of the events dated T1 <= at < T2 (each event by its own `at`). Units:\n"
    "credits per lot source (CREDITS:PURCHASE, CREDITS:SUBSCRIPTION,\n"
    "CREDITS:COMPENSATION, CREDITS:PROMOTIONAL), and cash per currency of\n"
    "the PURCHASE lots, in minor units at cost basis. Rows per unit:\n"
    "  opening       owed as the events before T1 leave it: remaining +\n"
    "                held + refund_pending (expired credits count until an\n"
    "                `expire` sweeps them)\n"
    "  granted       new lots\n"
    "  used          spent by use and capture (revenue recognized)\n"
    "  expired       swept by expire (breakage)\n"
    "  forfeited     forfeited for abuse (breakage)\n"
    "  voided        free credits taken back by void_grant\n"
    "  refunded      left by approved refunds\n"
    "  charged_back  clawed back by chargebacks\n"
    "  closing       owed as the events before T2 leave it\n"
    "and, for cash only, outside the identity:\n"
    "  refund_rounding  the part of `refunded` not paid back: a refund pays\n"
    "                floor(amount_minor*n/g) for its n credits, their cost\n"
    "                or one minor unit less, and that unit stays the\n"
    "                platform's. refunded - refund_rounding is the cash\n"
    "                refunded: REFUNDS_PAYABLE in `ledgerctl trial-balance`,\n"
    "                `cash_refunded` in `ledgerctl statement`\n"
    "x credits leaving a purchase lot that has lost c of its g credits are\n"
    "worth floor(amount_minor*(c+x)/g) - floor(amount_minor*c/g), so a lot's\n"
    "flows add up to its cost. Each unit must satisfy opening + granted -\n"
    "used - expired - forfeited - voided - refunded - charged_back = closing,\n"
    "with closing computed from the state the events build, not from the\n"
    "flows.\n"
    "The log's hash chain is verified first (`ledgerctl verify`).\n"
    "\n"
    "Reads the ledger without writing to it, beside a live writer too; DIR\n"
    "is never created.\n"
    "\n"
    "Options:\n"
    "  --db DIR       the ledger's folder\n"
    "  --from T1      start of the period (included)\n"
    "  --to T2        end of the period (excluded); not before T1\n"
    "                 T1, T2: RFC 3339 (2026-03-08T10:00:00Z) or a date alone\n"
    "                 (2026-03-08: its midnight UTC)\n"
    "  --memory-budget-mib M\n"
    "                 about the most the folded state holds, in MiB (default\n"
    "                 256, at least 1): past it the usages go to a scratch\n"
    "                 database in $TMPDIR (else /tmp), removed at the end;\n"
    "                 the report is the same\n"
    "  --format FMT   text (default; a table for a person), json ({from, to,\n"
    "                 units: [{unit, opening, granted, used, expired,\n"
    "                 forfeited, voided, refunded, charged_back, closing,\n"
    "                 refund_rounding}]},\n"
    "                 numbers as JSON integers) or csv (RFC 4180, a header\n"
    "                 row of those names, then one row per unit)\n"
    "  --help         print this help\n"
    "\n"
    "Exit status: 0 when every unit adds up; 1 when one does not (the report\n"
    "is still printed, the unit named on stderr), when the log does not\n"
    "verify or cannot be read; 2 on bad usage (T1 after T2 too).\n"
    "\n"
    "Example:\n"
    "  ledgerctl liability --db /tmp/ledger --from 2026-03-01 --to 2026-04-01\n";

using render::kLiabilityColumns;
using render::LiabilityNumbers;

// Units are capital letters and a colon, numbers digits and a sign: no
// field needs quoting.
std::string RenderCsv(const LiabilityReport& report) {
  std::string out;
  for (std::string_view column : kLiabilityColumns) {
    absl::StrAppend(&out, out.empty() ? "" : ",", std::string(column));
  }
  out += "\r\n";
  for (const LiabilityRow& row : report.units) {
    out += row.unit;
    for (__int128 n : LiabilityNumbers(row))
      absl::StrAppend(&out, ",", absl::StrFormat("%d", absl::int128(n)));
    out += "\r\n";
  }
  return out;
}

// A table for a person: columns as wide as their widest cell.
std::string RenderText(const LiabilityReport& report) {
  std::vector<std::vector<std::string>> cells;
  cells.emplace_back(kLiabilityColumns.begin(), kLiabilityColumns.end());
  for (const LiabilityRow& row : report.units) {
    std::vector<std::string>& line = cells.emplace_back();
    line.push_back(row.unit);
    for (__int128 n : LiabilityNumbers(row)) line.push_back(absl::StrFormat("%d", absl::int128(n)));
  }
  std::vector<size_t> width(kLiabilityColumns.size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i)
      width[i] = std::max(width[i], line[i].size());
  }
  std::string out = absl::StrCat(
      "liability from ", FormatTimeUs(report.from_us), " to ",
      FormatTimeUs(report.to_us), ": ", report.events_in_period, " of ",
      report.events_read,
      " events dated in the period\ncredits per lot source; cash per "
      "currency of purchase lots, in minor units at cost basis;\n"
      "refund_rounding: the part of refunded not paid back (refunded - "
      "refund_rounding = cash refunded,\nas in trial-balance's "
      "REFUNDS_PAYABLE and the statements' cash_refunded)\n\n");
  for (size_t r = 0; r < cells.size(); ++r) {
    const std::vector<std::string>& line = cells[r];
    std::string text = line[0] + std::string(width[0] - line[0].size(), ' ');
    for (size_t i = 1; i < line.size(); ++i) {
      absl::StrAppend(&text, "  ", std::string(width[i] - line[i].size(), ' '),
                      line[i]);
    }
    if (r > 0 && !report.units[r - 1].adds_up()) text += "  DOES NOT ADD UP";
    absl::StrAppend(&out, text, "\n");
  }
  return out;
}

std::string Verdict(bool adds_up) {
  return adds_up ? "\nverdict: OK, every unit adds up: opening + granted - "
                   "used - expired - forfeited - voided - refunded - "
                   "charged_back = closing\n"
                 : "\nverdict: FAILED, a unit does not add up\n";
}

}  // namespace

const CommandSpec& LiabilitySpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "liability",
      .summary = "report what is owed in credits and cash, and how it moved",
      .usage = kUsage,
      .options = {"db", "from", "to", "memory-budget-mib", "format"},
      .formats = {Format::kText, Format::kJson, Format::kCsv},
      .required = {"db", "from", "to"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunLiability(std::span<char* const> args) {
  const CommandSpec& spec = LiabilitySpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  // Both are required, so ParseArgs has made sure they are given.
  std::optional<int64_t> from;
  std::optional<int64_t> to;
  if (!ParsePeriodOptions(spec, parsed, &from, &to, &exit_code)) {
    return exit_code;
  }
  const int64_t from_us = *from;
  const int64_t to_us = *to;
  const Format format = parsed.format;
  const std::string dir = parsed.Get("db");
  int64_t budget_mib = 0;
  if (!ParseIntOption(spec, parsed, "memory-budget-mib",
                      kDefaultAuditMemoryBytes >> 20,
                      kMinAuditMemoryBytes >> 20, int64_t{1} << 30, &budget_mib,
                      &exit_code)) {
    return exit_code;
  }
  AuditMemory memory;
  memory.budget_bytes = static_cast<size_t>(budget_mib) << 20;
  // What the allocator keeps beside the budget (audit_allocator.h).
  BoundAllocatorForAudit();
  const PeriodicArenaTrim trim(kAuditArenaTrimPeriod);
  absl::StatusOr<LiabilityReport> report =
      LiabilityReportFor(dir, from_us, to_us, memory);
  if (!report.ok()) {
    return Fail("liability", "cannot report on the ledger in " + dir,
                report.status());
  }
  const absl::Status adds_up = CheckLiabilityIdentity(*report);
  std::string out;
  if (format == Format::kJson) {
    out = render::LiabilityJson(*report);
  } else if (format == Format::kCsv) {
    out = RenderCsv(*report);
  } else {
    out = RenderText(*report) + Verdict(adds_up.ok());
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return kExitFailure;
  if (!adds_up.ok()) {
    return FailWith("liability", std::string(adds_up.message()));
  }
  return kExitOk;
}

}  // namespace ledger::tools
