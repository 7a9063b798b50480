// `ledgerctl audit-times --db DIR [--over DURATION] [--format F]`: the
// events whose `at` lies more than DURATION before their recorded_at, per
// actor (docs/contract.md section 16), from the library's FindLateEvents
// (ledger/late_events.h).
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "ledger/base/json_writer.h"
#include "ledger/late_events.h"
#include "ledger/time_util.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl audit-times --db DIR [--over DURATION]\n"
    "                             [--format text|json|jsonl|csv]\n"
    "\n"
    "Lists the events written late: those whose `at` (the time their\n"
    "caller gave) lies more than DURATION before their recorded_at (the\n"
    "ledger's clock when it accepted them), grouped per actor (who issued\n"
    "them: a token's name, apply's --actor), oldest first in each group\n"
    "(docs/contract.md section 16). Events written before recording times\n"
    "existed have none; they are counted, not listed.\n"
    "\n"
    "Only reads: DIR is never written or created, and audit-times runs\n"
    "beside a live writer, reading what it has committed.\n"
    "\n"
    "Options:\n"
    "  --db DIR         the ledger's folder\n"
    "  --over DURATION  the gap that counts as late, e.g. 1h, 30m, 24h\n"
    "                   (default: 1h)\n"
    "  --format F       text (default); json (one document {\"over\",\n"
    "                   \"events_read\", \"without_recorded_at\", \"actors\":\n"
    "                   [{\"actor\", \"events\": [...], \"max_late\"}]}); jsonl\n"
    "                   (one event per line: {\"actor\", \"seq\", \"key\",\n"
    "                   \"customer\", \"kind\", \"at\", \"recorded_at\",\n"
    "                   \"late_seconds\"}); csv (the same columns)\n"
    "  --help           print this help\n"
    "\n"
    "Exit status: 0 on success (late events found or not), 1 when there is\n"
    "no ledger in DIR or it cannot be read, 2 on bad usage.\n"
    "\n"
    "Example:\n"
    "  ledgerctl audit-times --db /tmp/ledger --over 24h\n";

// An actor's name as shown; events that record none are grouped apart.
std::string ActorName(const std::string& actor) {
  return actor.empty() ? "(no actor)" : actor;
}

void WriteEventJson(const std::string& actor, const LateEvent& e, JsonWriter& w) {
  w.BeginObject();
  if (!actor.empty()) w.Key("actor").String(actor);
  w.Key("seq").Uint(e.seq);
  w.Key("key").String(e.key);
  w.Key("customer").String(e.customer);
  w.Key("kind").String(e.kind);
  w.Key("at").String(FormatTimeUs(e.at_us));
  w.Key("recorded_at").String(FormatTimeUs(e.recorded_at_us));
  w.Key("late_seconds").Int(e.late_us() / kMicrosPerSecond);
  w.EndObject();
}

std::string RenderJson(const LateEvents& late) {
  JsonWriter w;
  w.BeginObject();
  w.Key("over_seconds").Int(late.over_us / kMicrosPerSecond);
  w.Key("events_read").Uint(late.events_read);
  w.Key("without_recorded_at").Uint(late.without_recorded_at);
  w.Key("actors").BeginArray();
  for (const ActorLateEvents& a : late.actors) {
    w.BeginObject();
    w.Key("actor");
    if (a.actor.empty()) {
      w.Null();
    } else {
      w.String(a.actor);
    }
    w.Key("max_late_seconds").Int(a.max_late_us / kMicrosPerSecond);
    w.Key("events").BeginArray();
    for (const LateEvent& e : a.events) WriteEventJson("", e, w);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.str() + "\n";
}

std::string RenderJsonl(const LateEvents& late) {
  std::string out;
  for (const ActorLateEvents& a : late.actors) {
    for (const LateEvent& e : a.events) {
      JsonWriter w;
      WriteEventJson(a.actor, e, w);
      absl::StrAppend(&out, w.str(), "\n");
    }
  }
  return out;
}

std::string Csv(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::string RenderCsv(const LateEvents& late) {
  std::string out =
      "actor,seq,key,customer,kind,at,recorded_at,late_seconds\r\n";
  for (const ActorLateEvents& a : late.actors) {
    for (const LateEvent& e : a.events) {
      absl::StrAppend(&out, Csv(a.actor), ",", e.seq, ",", Csv(e.key), ",",
                      Csv(e.customer), ",", e.kind, ",", FormatTimeUs(e.at_us),
                      ",", FormatTimeUs(e.recorded_at_us), ",",
                      e.late_us() / kMicrosPerSecond, "\r\n");
    }
  }
  return out;
}

std::string RenderText(const LateEvents& late) {
  size_t listed = 0;
  for (const ActorLateEvents& a : late.actors) listed += a.events.size();
  std::string out = absl::StrCat(
      listed, " of ", late.events_read, " events were recorded more than ",
      absl::FormatDuration(absl::Microseconds(late.over_us)),
      " after their `at`");
  if (late.without_recorded_at > 0) {
    absl::StrAppend(&out, " (", late.without_recorded_at,
                    " written before recording times existed)");
  }
  out.append("\n");
  for (const ActorLateEvents& a : late.actors) {
    absl::StrAppend(&out, "\n", ActorName(a.actor), ": ", a.events.size(),
                    " late, at most ",
                    absl::FormatDuration(absl::Seconds(a.max_late_us / kMicrosPerSecond)),
                    "\n");
    for (const LateEvent& e : a.events) {
      absl::StrAppendFormat(
          &out, "  seq %-8d at %s  recorded %s  (%s late)  %s %s%s\n", e.seq,
          FormatTimeUs(e.at_us), FormatTimeUs(e.recorded_at_us),
          absl::FormatDuration(absl::Seconds(e.late_us() / kMicrosPerSecond)),
          e.kind, e.customer.empty() ? "" : e.customer + " ",
          absl::StrCat("key ", e.key));
    }
  }
  return out;
}

}  // namespace

const CommandSpec& AuditTimesSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "audit-times",
      .summary = "list events recorded long after their `at`, per actor",
      .usage = kUsage,
      .options = {"db", "over", "format"},
      .formats = {Format::kText, Format::kJson, Format::kJsonl, Format::kCsv},
      .required = {"db"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunAuditTimes(std::span<char* const> args) {
  const CommandSpec& spec = AuditTimesSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  absl::Duration over = absl::Hours(1);
  if (parsed.Has("over")) {
    const std::string text = parsed.Get("over");
    if (!absl::ParseDuration(text, &over) || over < absl::ZeroDuration() ||
        over == absl::InfiniteDuration()) {
      return UsageError(spec, absl::StrCat("--over wants a duration such as "
                                           "1h or 30m, got '", text, "'"));
    }
  }
  const std::string dir = parsed.Get("db");
  absl::StatusOr<LateEvents> late = FindLateEvents(dir, over);
  if (!late.ok()) {
    return Fail("audit-times", "cannot read the ledger in " + dir, late.status());
  }
  std::string out;
  switch (parsed.format) {
    case Format::kJson: out = RenderJson(*late); break;
    case Format::kJsonl: out = RenderJsonl(*late); break;
    case Format::kCsv: out = RenderCsv(*late); break;
    case Format::kText: out = RenderText(*late); break;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace ledger::tools
