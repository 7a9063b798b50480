// `ledgerctl refunds --db DIR [--state S] [--from T1] [--to T2]
// [--compensations] [--format text|json|jsonl|csv]`: every refund with its
// requester, reviewer, window, credits and cash, or every compensation with
// who verified it. A thin driver over RefundReportFor (ledger/refunds.h).
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/refunds.h"
#include "ledger/time_util.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"
#include "tools/ledgerctl/table_output.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl refunds --db DIR [--state PENDING|APPROVED|DENIED]\n"
    "                         [--from T1] [--to T2] [--compensations]\n"
    "                         [--format text|json|jsonl|csv]\n"
    "\n"
    "Lists every refund, in the order it was requested, from the log alone\n"
    "(verified first, as by `ledgerctl verify`):\n"
    "  customer, refund_id, purchase_id, state (PENDING, APPROVED, DENIED)\n"
    "  requested_at, requested_seq, requester   the request_refund and who\n"
    "                                           sent it\n"
    "  policy_version, window_hours, window_ends the policy it was judged\n"
    "                                           under, and the end of the\n"
    "                                           purchase's refund window\n"
    "  decided_at, decided_seq, reviewer        the approval or denial and\n"
    "                                           who sent it (empty while\n"
    "                                           pending)\n"
    "  deny_cause, deny_reason                  for a denial: DENY_REQUESTED\n"
    "                                           (deny_refund), DENY_ON_SUSPEND\n"
    "                                           or DENY_ON_TERMINATE\n"
    "  credits, cash_minor, currency            the credits frozen, and the\n"
    "                                           cash paid back (approved)\n"
    "requester and reviewer are the actors recorded on the events; empty for\n"
    "events written before actors were recorded.\n"
    "\n"
    "With --compensations, lists every compensation instead: customer,\n"
    "adjustment_id, usage_id, credits, verified_by (as the command gave it),\n"
    "actor, at, seq.\n"
    "\n"
    "Options:\n"
    "  --db DIR          the ledger's folder\n"
    "  --state S         only refunds in this state\n"
    "  --from T1         only refunds requested (compensations made) at or\n"
    "                    after T1, by the event's `at`\n"
    "  --to T2           ... and before T2 (excluded)\n"
    "                    T1, T2: RFC 3339 (2026-03-08T10:00:00Z) or a date\n"
    "                    alone (2026-03-08: its midnight UTC)\n"
    "  --compensations   list the compensations instead of the refunds\n"
    "  --format F        text (default, a table), json ({\"refunds\": [...]}\n"
    "                    or {\"compensations\": [...]}), jsonl or csv (RFC\n"
    "                    4180, a header row); the same columns in each\n"
    "  --help            print this help\n"
    "\n"
    "Only reads: DIR is never written or created, and refunds runs beside a\n"
    "live writer. Exit status: 0 on success (also when none match), 1 when\n"
    "there is no ledger in DIR, it cannot be read or its log does not\n"
    "verify, 2 on bad usage.\n"
    "\n"
    "Examples:\n"
    "  ledgerctl refunds --db /tmp/ledger --state DENIED --format csv\n"
    "  ledgerctl refunds --db /tmp/ledger --compensations\n";

std::string StateName(v1::RefundStatus state) {
  std::string name = v1::RefundStatus_Name(state);
  return name.rfind("REFUND_", 0) == 0 ? name.substr(7) : name;
}

std::string TimeOrEmpty(uint64_t seq, int64_t us) {
  return seq == 0 ? std::string() : FormatTimeUs(us);
}

Table RefundTable(const RefundReport& report) {
  Table t;
  t.columns = {"customer",       "refund_id",     "purchase_id",  "state",
               "requested_at",   "requested_seq", "requester",    "policy_version",
               "window_hours",   "window_ends",   "decided_at",   "decided_seq",
               "reviewer",       "deny_cause",    "deny_reason",  "credits",
               "cash_minor",     "currency"};
  for (const RefundRow& r : report.refunds) {
    const bool denied = r.state == v1::REFUND_DENIED;
    t.rows.push_back({r.customer, r.refund_id, r.purchase_id, StateName(r.state),
                      FormatTimeUs(r.requested_at_us),
                      static_cast<int64_t>(r.requested_seq), r.requester,
                      r.policy_version, r.window_hours,
                      r.window_ends_us == 0 ? std::string()
                                            : FormatTimeUs(r.window_ends_us),
                      TimeOrEmpty(r.decided_seq, r.decided_at_us),
                      static_cast<int64_t>(r.decided_seq), r.reviewer,
                      denied ? v1::DenyCause_Name(r.deny_cause) : std::string(),
                      r.deny_reason, r.credits, r.cash_minor, r.currency});
  }
  return t;
}

Table CompensationTable(const RefundReport& report) {
  Table t;
  t.columns = {"customer",    "adjustment_id", "usage_id", "credits",
               "verified_by", "actor",         "at",       "seq"};
  for (const CompensationRow& c : report.compensations) {
    t.rows.push_back({c.customer, c.adjustment_id, c.usage_id, c.credits,
                      c.verified_by, c.actor, FormatTimeUs(c.at_us),
                      static_cast<int64_t>(c.seq)});
  }
  return t;
}

}  // namespace

const CommandSpec& RefundsSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "refunds",
      .summary = "list refunds (requester, reviewer, window, cash) or compensations",
      .usage = kUsage,
      .options = {"db", "state", "from", "to", "format"},
      .formats = {Format::kText, Format::kJson, Format::kJsonl, Format::kCsv},
      .required = {"db"},
      .flags = {"compensations"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunRefunds(std::span<char* const> args) {
  const CommandSpec& spec = RefundsSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  const bool compensations = parsed.Has("compensations");
  RefundFilter filter;
  if (parsed.Has("state")) {
    if (compensations) {
      return UsageError(spec, "--state filters refunds, not --compensations");
    }
    v1::RefundStatus state = v1::REFUND_STATUS_UNSPECIFIED;
    if (!v1::RefundStatus_Parse("REFUND_" + parsed.Get("state"), &state)) {
      return UsageError(spec, absl::StrCat("--state: '", parsed.Get("state"),
                                           "' is not PENDING, APPROVED or DENIED"));
    }
    filter.state = state;
  }
  if (!ParsePeriodOptions(spec, parsed, &filter.from_us, &filter.to_us,
                          &exit_code)) {
    return exit_code;
  }
  const std::string dir = parsed.Get("db");
  absl::StatusOr<RefundReport> report = RefundReportFor(dir, filter);
  if (!report.ok()) {
    return Fail("refunds", "cannot report on the ledger in " + dir, report.status());
  }
  const std::string out =
      compensations
          ? RenderTable(CompensationTable(*report), parsed.format, "compensations",
                        "no compensations")
          : RenderTable(RefundTable(*report), parsed.format, "refunds", "no refunds");
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace ledger::tools
