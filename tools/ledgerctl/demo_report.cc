// `ledgerctl demo`'s report: the day's counts, what happened to the credits
// and the cash (read back from the ledger through the liability report, so
// the numbers are the ledger's, not the simulator's), then the replay's and
// the auditor's verdicts on the ledger it left (docs/audit.md).
#include "tools/ledgerctl/demo_report.h"

#include <chrono>
#include <cstdio>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/base/json_writer.h"
#include "ledger/liability.h"
#include "ledger/replay.h"
#include "ledger/time_util.h"
#include "ledger/verify.h"
#include "tools/ledgerctl/failure.h"
#include "tools/ledgerctl/self_invocation.h"
#include "tools/workload/platform_day.h"

namespace ledger::tools {
namespace {

// What the ledger says about the day, beside what the simulator counted.
struct LedgerFacts {
  LiabilityReport money;
  ReplayReport replay;
  double replay_seconds = 0;
  VerifyReport verify;
  LogDigest digest;
};

// The credit rows of the liability report added up, by flow.
struct CreditFlows {
  __int128 sold = 0;        // granted on purchase lots
  __int128 subscribed = 0;  // granted on subscription lots
  __int128 compensated = 0; // granted on compensation lots
  __int128 promoted = 0;    // granted on promotional lots (sign-up bonuses, ...)
  __int128 used = 0;
  __int128 expired = 0;
  __int128 refunded = 0;
  __int128 forfeited = 0;   // forfeited for abuse and clawed back
  __int128 voided = 0;      // free credits taken back by void_grant
  __int128 owed = 0;        // still the customers' at the end of the day
};

CreditFlows FlowsOf(const LiabilityReport& report) {
  CreditFlows f;
  for (const LiabilityRow& row : report.units) {
    if (!row.unit.starts_with("CREDITS:")) continue;
    if (row.unit == "CREDITS:PURCHASE") f.sold += row.granted;
    if (row.unit == "CREDITS:SUBSCRIPTION") f.subscribed += row.granted;
    if (row.unit == "CREDITS:COMPENSATION") f.compensated += row.granted;
    if (row.unit == "CREDITS:PROMOTIONAL") f.promoted += row.granted;
    f.used += row.used;
    f.expired += row.expired;
    f.refunded += row.refunded;
    f.forfeited += row.forfeited + row.charged_back;
    f.voided += row.voided;
    f.owed += row.closing;
  }
  return f;
}

long long Ll(__int128 v) { return static_cast<long long>(v); }

// Reads what the ledger holds; a non-OK status when it cannot be read.
absl::StatusOr<LedgerFacts> ReadFacts(const std::string& dir) {
  LedgerFacts facts;
  absl::StatusOr<LiabilityReport> money =
      LiabilityReportFor(dir, kMinTimeUs, kMaxTimeUs);
  if (!money.ok()) return money.status();
  facts.money = *std::move(money);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ReplayReport> replay = ReplayLedger(dir);
  if (!replay.ok()) return replay.status();
  facts.replay = *replay;
  facts.replay_seconds = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start)
                             .count();
  absl::StatusOr<LogDigest> digest = ReadDigest(dir);
  if (!digest.ok()) return digest.status();
  facts.digest = *digest;
  VerifyOptions options;
  options.digest = *digest;
  absl::StatusOr<VerifyReport> verify = VerifyLog(dir, options);
  if (!verify.ok()) return verify.status();
  facts.verify = *verify;
  return facts;
}

std::string CustomerIds(const DemoConfig& config) {
  return absl::StrFormat("cust-000001 .. cust-%06d", config.customers);
}

// The date part of a time ("2026-03-08"), which ledgerctl takes as its
// midnight UTC.
std::string DateOf(int64_t us) { return FormatTimeUs(us).substr(0, 10); }

// The suggested liability period: the simulated day and the next, since
// the last commands of a customer's day (a late call's capture, a renewal)
// may be dated past midnight. Every event of the demo falls in it, so the
// suggested report shows the figures of this one.
constexpr int kReportedDays = 2;

constexpr char kOrderMeaning[] =
    "with more than one thread, the order of the log (and so the digest) "
    "depends on scheduling; the commands and their outcomes do not, they "
    "depend on the seed alone; the digest also covers each event's "
    "recording time, so it differs from run to run";

std::string RenderText(const DemoConfig& config, const DayResult& day,
                       const LedgerFacts& f) {
  const Tally& t = day.tally;
  std::string out = absl::StrFormat(
      "ledgerctl demo: one simulated day, %d customers, %d threads, seed %d\n",
      config.customers, config.threads, config.seed);
  absl::StrAppendFormat(&out, "ledger:                  %s\n", config.dir);
  absl::StrAppendFormat(&out, "customer ids:            %s\n", CustomerIds(config));
  absl::StrAppendFormat(&out, "commands submitted:      %d\n", t.submitted);
  absl::StrAppendFormat(&out, "events in the log:       %d\n", day.events);
  out.append("outcomes:\n");
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "ACCEPTED", t.accepted);
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "DUPLICATE (retries)",
                        t.duplicates);
  for (const auto& [code, n] : t.rejected) {
    absl::StrAppendFormat(&out, "  %-26s %12d\n", v1::RejectionCode_Name(code), n);
  }
  out.append("credits used by category:\n");
  int64_t used = 0;
  for (int i = 1; i < v1::Category_ARRAYSIZE; ++i) {
    used += t.used_by_category[i];
    absl::StrAppendFormat(&out, "  %-26s %12d\n",
                          v1::Category_Name(static_cast<v1::Category>(i)),
                          t.used_by_category[i]);
  }
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "total", used);
  const CreditFlows c = FlowsOf(f.money);
  out.append("credits over the day (from the ledger):\n");
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "sold (purchases)", Ll(c.sold));
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "granted by subscriptions",
                        Ll(c.subscribed));
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "compensated", Ll(c.compensated));
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "granted as promotions",
                        Ll(c.promoted));
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "used", Ll(c.used));
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "expired", Ll(c.expired));
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "refunded", Ll(c.refunded));
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "forfeited or clawed back",
                        Ll(c.forfeited));
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "voided promotions", Ll(c.voided));
  absl::StrAppendFormat(&out, "  %-26s %12d\n", "still owed at the end",
                        Ll(c.owed));
  // Refunds at cost (the liability report's meaning) and as paid back
  // (the journal's and the statements'), the difference named, so the
  // figures reconcile with `trial-balance` (docs/accounting.md).
  out.append(
      "cash per currency (minor units; refunded at cost = paid back +\n"
      "rounding kept, paid back being trial-balance's REFUNDS_PAYABLE):\n");
  for (const LiabilityRow& row : f.money.units) {
    if (row.unit.starts_with("CREDITS:")) continue;
    absl::StrAppendFormat(
        &out, "  %-4s sold %10d  refunded %9d = paid back %9d + rounding %4d"
              "  owed %10d\n",
        row.unit, Ll(row.granted), Ll(row.refunded),
        Ll(row.refunded - row.refund_rounding), Ll(row.refund_rounding),
        Ll(row.closing));
  }
  absl::StrAppendFormat(
      &out,
      "throughput:              %.0f commands/s (%d commands in %.2f s, %d "
      "batches)\n",
      day.seconds > 0 ? static_cast<double>(t.submitted) / day.seconds : 0.0,
      t.submitted, day.seconds, t.batches);
  out.append(
      "  a batch: one SubmitBatch call, a thread's next command for each of\n"
      "  its customers still in the day, committed as one group (one write,\n"
      "  one sync)\n");
  absl::StrAppendFormat(
      &out, "replay:                  %s (%d events checked, %d customers, %.2f s)\n",
      f.replay.ok ? "OK" : "FAILED", f.replay.events, f.replay.customers,
      f.replay_seconds);
  absl::StrAppendFormat(&out, "verify:                  %s (digest %s)\n",
                        f.verify.ok ? "OK" : "FAILED", FormatDigest(f.digest));
  out.append(
      "note: with more than one thread the order of the log (and so the\n"
      "digest) depends on scheduling; the commands and their outcomes do\n"
      "not: they depend on the seed alone. The digest also covers each\n"
      "event's recording time (docs/contract.md section 16), so it differs\n"
      "from run to run.\n");
  // Commands that run as printed from the folder the demo ran in: the
  // binary as this shell reaches it, the folder quoted when it must be.
  const std::string ledgerctl = SelfInvocation();
  const std::string db = ShellWord(config.dir);
  absl::StrAppendFormat(
      &out,
      "next, from this folder:\n"
      "  %s customers --db %s\n"
      "  %s balance --db %s --customer cust-000001\n"
      "  %s liability --db %s --from %s --to %s\n",
      ledgerctl, db, ledgerctl, db, ledgerctl, db,
      DateOf(workload::DayStartUs()),
      DateOf(workload::DayStartUs() + kReportedDays * workload::kDayUs));
  return out;
}

std::string RenderJson(const DemoConfig& config, const DayResult& day,
                       const LedgerFacts& f) {
  const Tally& t = day.tally;
  JsonWriter w;
  w.BeginObject();
  w.Key("db").String(config.dir);
  w.Key("customers").Int(config.customers);
  w.Key("threads").Int(config.threads);
  w.Key("seed").Uint(config.seed);
  w.Key("first_customer").String("cust-000001");
  w.Key("last_customer").String(absl::StrFormat("cust-%06d", config.customers));
  w.Key("commands").Uint(t.submitted);
  w.Key("events").Uint(day.events);
  w.Key("outcomes").BeginObject();
  w.Key("ACCEPTED").Uint(t.accepted);
  w.Key("DUPLICATE").Uint(t.duplicates);
  for (const auto& [code, n] : t.rejected) {
    w.Key(v1::RejectionCode_Name(code)).Uint(n);
  }
  w.EndObject();
  w.Key("used_by_category").BeginObject();
  for (int i = 1; i < v1::Category_ARRAYSIZE; ++i) {
    w.Key(v1::Category_Name(static_cast<v1::Category>(i)))
        .Int(t.used_by_category[i]);
  }
  w.EndObject();
  const CreditFlows c = FlowsOf(f.money);
  w.Key("credits").BeginObject();
  w.Key("sold").Int128(c.sold);
  w.Key("subscribed").Int128(c.subscribed);
  w.Key("compensated").Int128(c.compensated);
  w.Key("promoted").Int128(c.promoted);
  w.Key("used").Int128(c.used);
  w.Key("expired").Int128(c.expired);
  w.Key("refunded").Int128(c.refunded);
  w.Key("forfeited").Int128(c.forfeited);
  w.Key("voided").Int128(c.voided);
  w.Key("owed").Int128(c.owed);
  w.EndObject();
  w.Key("cash").BeginArray();
  for (const LiabilityRow& row : f.money.units) {
    if (row.unit.starts_with("CREDITS:")) continue;
    w.BeginObject();
    w.Key("currency").String(row.unit);
    w.Key("sold_minor").Int128(row.granted);
    w.Key("refunded_minor").Int128(row.refunded);
    w.Key("refunded_paid_minor").Int128(row.refunded - row.refund_rounding);
    w.Key("refund_rounding_minor").Int128(row.refund_rounding);
    w.Key("owed_minor").Int128(row.closing);
    w.EndObject();
  }
  w.EndArray();
  w.Key("seconds").String(absl::StrFormat("%.3f", day.seconds));
  w.Key("batches").Uint(t.batches);
  w.Key("replay").BeginObject();
  w.Key("ok").Bool(f.replay.ok);
  w.Key("events").Uint(f.replay.events);
  w.Key("customers").Uint(f.replay.customers);
  w.EndObject();
  w.Key("verify").BeginObject();
  w.Key("ok").Bool(f.verify.ok);
  w.Key("digest").String(FormatDigest(f.digest));
  w.EndObject();
  w.Key("note").String(kOrderMeaning);
  w.EndObject();
  return w.str() + "\n";
}

}  // namespace

int ReportDay(const DemoConfig& config, const DayResult& day, Format format) {
  absl::StatusOr<LedgerFacts> facts = ReadFacts(config.dir);
  if (!facts.ok()) {
    return Fail("demo", "cannot read back the ledger in " + config.dir,
                facts.status());
  }
  const std::string out = format == Format::kJson
                              ? RenderJson(config, day, *facts)
                              : RenderText(config, day, *facts);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (!facts->replay.ok) {
    return FailWith("demo", absl::StrCat("replay: first bad event seq ",
                                         facts->replay.first_bad_seq, ": ",
                                         facts->replay.problem));
  }
  if (!facts->verify.ok) {
    return FailWith("demo", absl::StrCat("verify: first bad event seq ",
                                         facts->verify.first_bad_seq, ": ",
                                         facts->verify.problem));
  }
  return kExitOk;
}

}  // namespace ledger::tools
