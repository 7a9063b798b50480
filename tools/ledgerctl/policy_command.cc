// `ledgerctl policy --db DIR [--at TIME] [--format text|json]`: the policy
// in force and every version of it, the default included, from the stored
// projections (ledger/stored_state.h).
#include <algorithm>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/base/json_writer.h"
#include "ledger/stored_state.h"
#include "ledger/time_util.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl policy --db DIR [--at TIME] [--format text|json]\n"
    "\n"
    "Prints the policy in force at TIME and its history: every version,\n"
    "oldest first, with its refund window, its inquiry window and the time\n"
    "it takes effect from (docs/contract.md section 3). The first is the\n"
    "default, in force from the beginning until a `set_policy` command\n"
    "replaces it; `set by seq` names the event of each later version.\n"
    "\n"
    "Only reads: DIR is never written or created, and policy runs beside a\n"
    "live writer, reading what it has committed.\n"
    "\n"
    "Options:\n"
    "  --db DIR        the ledger's folder\n"
    "  --at TIME       RFC 3339 or a date alone, its midnight UTC (default:\n"
    "                  now)\n"
    "  --format F      text (default) or json (one document: {\"at\",\n"
    "                  \"in_force\": {...}, \"history\": [{\"version\",\n"
    "                  \"refund_window_hours\", \"inquiry_window_hours\",\n"
    "                  \"clock_skew_seconds\", \"effective_from\", \"seq\",\n"
    "                  \"four_eyes\",\n"
    "                  \"in_force\"}, ...]};\n"
    "                  seq 0 is the default)\n"
    "  --help          print this help\n"
    "\n"
    "Exit status: 0 on success, 1 when there is no ledger in DIR or it\n"
    "cannot be read, 2 on bad usage.\n"
    "\n"
    "Example:\n"
    "  ledgerctl policy --db /tmp/ledger\n";

void WriteVersion(const PolicyVersionInfo& v, bool in_force, JsonWriter& w) {
  w.BeginObject();
  w.Key("version").String(v.version);
  w.Key("refund_window_hours").Int(v.refund_window_hours);
  w.Key("inquiry_window_hours").Int(v.inquiry_window_hours);
  w.Key("clock_skew_seconds").Int(v.clock_skew_seconds);
  w.Key("effective_from").String(FormatTimeUs(v.effective_from_us));
  w.Key("seq").Uint(v.seq);
  w.Key("four_eyes").Bool(v.four_eyes);
  w.Key("in_force").Bool(in_force);
  w.EndObject();
}

std::string RenderJson(const PolicyHistory& history, int64_t at_us) {
  JsonWriter w;
  w.BeginObject();
  w.Key("at").String(FormatTimeUs(at_us));
  w.Key("in_force");
  WriteVersion(history.versions[history.in_force], true, w);
  w.Key("history").BeginArray();
  for (size_t i = 0; i < history.versions.size(); ++i) {
    WriteVersion(history.versions[i], i == history.in_force, w);
  }
  w.EndArray();
  w.EndObject();
  return w.str() + "\n";
}

std::string RenderText(const PolicyHistory& history, int64_t at_us) {
  const PolicyVersionInfo& now = history.versions[history.in_force];
  std::string out = absl::StrFormat(
      "in force at %s: %s (refund window %dh, inquiry window %dh, clock "
      "skew %ds%s)\n\n",
      FormatTimeUs(at_us), now.version, now.refund_window_hours,
      now.inquiry_window_hours, now.clock_skew_seconds,
      now.four_eyes ? ", four eyes on refund reviews" : "");
  size_t width = 7;  // "version"
  for (const PolicyVersionInfo& v : history.versions) {
    width = std::max(width, v.version.size());
  }
  absl::StrAppendFormat(&out, "  %-*s  %-13s  %-14s  %-10s  %-27s  %s\n",
                        static_cast<int>(width), "version", "refund window",
                        "inquiry window", "clock skew", "effective from",
                        "set by seq");
  for (size_t i = 0; i < history.versions.size(); ++i) {
    const PolicyVersionInfo& v = history.versions[i];
    absl::StrAppendFormat(
        &out, "%s %-*s  %-13s  %-14s  %-10s  %-27s  %s\n",
        i == history.in_force ? "*" : " ", static_cast<int>(width), v.version,
        absl::StrCat(v.refund_window_hours, "h"),
        absl::StrCat(v.inquiry_window_hours, "h"),
        absl::StrCat(v.clock_skew_seconds, "s"),
        FormatTimeUs(v.effective_from_us),
        v.seq == 0 ? std::string("(default)") : absl::StrCat(v.seq));
  }
  out.append("\n* in force at that time\n");
  return out;
}

}  // namespace

const CommandSpec& PolicySpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "policy",
      .summary = "print the policy in force and its history",
      .usage = kUsage,
      .options = {"db", "at", "format"},
      .formats = {Format::kText, Format::kJson},
      .required = {"db"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunPolicy(std::span<char* const> args) {
  const CommandSpec& spec = PolicySpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  const Format format = parsed.format;
  std::optional<int64_t> at;
  if (!ParseTimeOption(spec, parsed, "at", &at, &exit_code)) return exit_code;
  const int64_t at_us = at.value_or(absl::ToUnixMicros(absl::Now()));
  const std::string dir = parsed.Get("db");
  absl::StatusOr<PolicyHistory> history = ReadStoredPolicies(dir, at_us);
  if (!history.ok()) {
    return Fail("policy", "cannot read the ledger in " + dir, history.status());
  }
  const std::string out = format == Format::kJson ? RenderJson(*history, at_us)
                                                  : RenderText(*history, at_us);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace ledger::tools
