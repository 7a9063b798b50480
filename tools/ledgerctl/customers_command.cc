// `ledgerctl customers --db DIR [--status S] [--at TIME] [--format F]`:
// the customers of a ledger with their status and available credits, from
// the stored projections (ledger/stored_state.h), without exporting the log.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/base/json_writer.h"
#include "absl/strings/numbers.h"
#include "ledger/pages.h"
#include "ledger/stored_state.h"
#include "tools/render/page_json.h"
#include "ledger/time_util.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/failure.h"

namespace ledger::tools {
namespace {

constexpr std::string_view kUsage =
    "usage: ledgerctl customers --db DIR [--status S] [--at TIME]\n"
    "                           [--after ID] [--limit N] [--format text|json]\n"
    "\n"
    "Lists the customers of the ledger, sorted by id, with their status\n"
    "and their available credits at TIME (docs/contract.md section 1:\n"
    "the credits of unexpired lots, holds and pending refunds left out),\n"
    "and of those the promotional ones (free credits a void_grant may take\n"
    "back) and the scoped ones (in lots limited to some categories;\n"
    "docs/contract.md section 11).\n"
    "Reads the stored projections, not the log: quick, and the next step\n"
    "is `ledgerctl balance --db DIR --customer ID` for one of them.\n"
    "\n"
    "Only reads: DIR is never written or created, and customers runs\n"
    "beside a live writer, reading what it has committed.\n"
    "\n"
    "Options:\n"
    "  --db DIR        the ledger's folder\n"
    "  --status S      only the customers in status S: ACTIVE, SUSPENDED\n"
    "                  or TERMINATED\n"
    "  --at TIME       the time of `available` (default: now): RFC 3339 or a\n"
    "                  date alone (its midnight UTC)\n"
    "  --after ID      page: only the customers with ids after ID\n"
    "  --limit N       page: at most N customers (1..1000, default 100);\n"
    "                  with --after or --limit one page is read from one\n"
    "                  snapshot, costing that page only (not --status), and\n"
    "                  JSON adds \"next_after\": the --after of the next page,\n"
    "                  null at the end (docs/http.md)\n"
    "  --format F      text (default: a table) or json (one document:\n"
    "                  {\"at\", \"customers\": [{\"customer\", \"status\",\n"
    "                  \"available\", \"promotional\", \"scoped\"}, ...]})\n"
    "  --help          print this help\n"
    "\n"
    "Exit status: 0 on success (also with no customer), 1 when there is no\n"
    "ledger in DIR or it cannot be read, 2 on bad usage.\n"
    "\n"
    "Examples:\n"
    "  ledgerctl customers --db /tmp/ledger\n"
    "  ledgerctl customers --db /tmp/ledger --status SUSPENDED --format json\n";

std::string RenderText(const std::vector<CustomerSummary>& customers,
                       int64_t at_us) {
  size_t width = 8;  // "customer"
  for (const CustomerSummary& c : customers) {
    width = std::max(width, c.customer.size());
  }
  std::string out = absl::StrCat("customers at ", FormatTimeUs(at_us), ": ",
                                 customers.size(), "\n");
  absl::StrAppendFormat(&out, "%-*s  %-10s  %-12s  %-12s  %s\n",
                        static_cast<int>(width), "customer", "status", "available",
                        "promotional", "scoped");
  for (const CustomerSummary& c : customers) {
    absl::StrAppendFormat(&out, "%-*s  %-10s  %-12d  %-12d  %d\n",
                          static_cast<int>(width), c.customer,
                          v1::CustomerStatus_Name(c.status), c.available,
                          c.promotional, c.scoped);
  }
  return out;
}

std::string RenderJson(const std::vector<CustomerSummary>& customers,
                       int64_t at_us) {
  JsonWriter w;
  w.BeginObject();
  w.Key("at").String(FormatTimeUs(at_us));
  w.Key("customers").BeginArray();
  for (const CustomerSummary& c : customers) {
    w.BeginObject();
    w.Key("customer").String(c.customer);
    w.Key("status").String(v1::CustomerStatus_Name(c.status));
    w.Key("available").Int(c.available);
    w.Key("promotional").Int(c.promotional);
    w.Key("scoped").Int(c.scoped);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.str() + "\n";
}

bool ParseStatus(const CommandSpec& spec, const Args& parsed,
                 std::optional<v1::CustomerStatus>* status, int* exit_code) {
  if (!parsed.Has("status")) return true;
  const std::string name = parsed.Get("status");
  v1::CustomerStatus value;
  if (!v1::CustomerStatus_Parse(name, &value) ||
      value == v1::CUSTOMER_STATUS_UNSPECIFIED) {
    *exit_code = UsageError(
        spec, absl::StrCat("--status must be ACTIVE, SUSPENDED or TERMINATED, "
                           "not '", name, "'"));
    return false;
  }
  *status = value;
  return true;
}

// --after / --limit: one page (ledger/pages.h), O(page).
int RunPage(const CommandSpec& spec, const Args& parsed, const std::string& dir,
            int64_t at_us, bool with_status) {
  if (with_status) {
    return UsageError(spec, "--status lists every customer: it does not page "
                            "(leave out --after and --limit)");
  }
  int64_t limit = 0;
  int exit_code = 0;
  if (!ParseIntOption(spec, parsed, "limit", kDefaultPageLimit, 1,
                      kMaxPageLimit, &limit, &exit_code)) {
    return exit_code;
  }
  const std::string after = parsed.Has("after") ? parsed.Get("after") : "";
  absl::StatusOr<CustomerPage> page =
      ReadStoredCustomerPage(dir, after, static_cast<size_t>(limit), at_us);
  if (!page.ok()) {
    return Fail("customers", "cannot read the ledger in " + dir, page.status());
  }
  std::string out;
  if (parsed.format == Format::kJson) {
    out = render::CustomerPageJson(*page, at_us) + "\n";
  } else {
    out = RenderText(page->customers, at_us);
    if (page->next_after.has_value()) {
      absl::StrAppend(&out, "next page: --after ", *page->next_after, "\n");
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace

const CommandSpec& CustomersSpec() {
  static const CommandSpec* const spec = new CommandSpec{
      .name = "customers",
      .summary = "list the customers with status and available credits",
      .usage = kUsage,
      .options = {"db", "status", "at", "format", "after", "limit"},
      .formats = {Format::kText, Format::kJson},
      .required = {"db"},
      .max_positionals = 0,
  };
  return *spec;
}

int RunCustomers(std::span<char* const> args) {
  const CommandSpec& spec = CustomersSpec();
  Args parsed;
  int exit_code = kExitOk;
  if (!ParseArgs(spec, args, &parsed, &exit_code)) return exit_code;
  const Format format = parsed.format;
  std::optional<v1::CustomerStatus> status;
  if (!ParseStatus(spec, parsed, &status, &exit_code)) return exit_code;
  std::optional<int64_t> at;
  if (!ParseTimeOption(spec, parsed, "at", &at, &exit_code)) return exit_code;
  const int64_t at_us = at.value_or(absl::ToUnixMicros(absl::Now()));
  const std::string dir = parsed.Get("db");
  if (parsed.Has("after") || parsed.Has("limit")) {
    return RunPage(spec, parsed, dir, at_us, status.has_value());
  }
  absl::StatusOr<std::vector<CustomerSummary>> customers =
      ListStoredCustomers(dir, at_us, status);
  if (!customers.ok()) {
    return Fail("customers", "cannot read the ledger in " + dir,
                customers.status());
  }
  const std::string out = format == Format::kJson
                              ? RenderJson(*customers, at_us)
                              : RenderText(*customers, at_us);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace ledger::tools
