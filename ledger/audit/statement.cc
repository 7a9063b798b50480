// The statement of ledger/statement.h: the fold of a customer's events
// into rows and running balances, and its three renderings.
#include "ledger/statement.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/audit/event_render.h"
#include "ledger/audit/export_format.h"
#include "ledger/base/json_writer.h"
#include "ledger/base/status_macros.h"
#include "ledger/log_reader.h"
#include "ledger/time_util.h"

namespace ledger {
namespace {

std::string Signed(int64_t n) { return n > 0 ? absl::StrCat("+", n) : absl::StrCat(n); }

std::string CashText(const RunningBalance& b) {
  std::vector<std::string> parts;
  for (const auto& [currency, minor] : b.cash_refunded) {
    parts.push_back(FormatMoney(minor, currency));
  }
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

std::string BalanceText(const RunningBalance& b) {
  return absl::StrCat(b.in_lots, " credits in lots, ", b.held, " held, ",
                      b.refund_pending, " pending refund (total ", b.total(),
                      ")");
}

std::string PeriodText(const StatementPeriod& p) {
  return absl::StrCat(
      p.from_us.has_value() ? FormatTimeUs(*p.from_us) : "the first event",
      " to ",
      p.to_us.has_value() ? FormatTimeUs(*p.to_us) + " (excluded)"
                          : "the last event");
}

std::string RenderText(const Statement& s) {
  std::string out = absl::StrCat(
      "Statement of customer ", s.customer, "\n",
      "Period:           ", PeriodText(s.period), "\n",
      "Opening balance:  ", BalanceText(s.opening), "\n",
      "Closing balance:  ", BalanceText(s.closing), "\n",
      "Cash refunded:    ", CashText(s.closing), " (by the end of the period)\n",
      "Events:           ", s.entries.size(), "\n\n");
  // Times with fractions of a second are wider than the usual 20 columns.
  int date_width = 20;
  for (const StatementEntry& e : s.entries) {
    date_width = std::max(
        date_width,
        static_cast<int>(FormatTimeUs(e.event.header().at_us()).size()));
  }
  constexpr char kRow[] = "%-*s %7s %9s %9s %7s %8s  %-11s %s\n";
  absl::StrAppend(&out, absl::StrFormat(kRow, date_width, "Date (UTC)", "Seq",
                                        "Credits", "In lots", "Held", "Refund",
                                        "Policy", "What happened"));
  for (const StatementEntry& e : s.entries) {
    const v1::EventHeader& h = e.event.header();
    absl::StrAppend(
        &out, absl::StrFormat(kRow, date_width, FormatTimeUs(h.at_us()),
                              absl::StrCat(h.seq()), Signed(e.change),
                              absl::StrCat(e.balance.in_lots),
                              absl::StrCat(e.balance.held),
                              absl::StrCat(e.balance.refund_pending),
                              h.policy_version(), DescribeEvent(e.event)));
    // docs/contract.md section 16; events written before it record neither.
    if (!ActorText(e.event).empty() || !RecordedAtText(e.event).empty()) {
      absl::StrAppend(&out, "      by ",
                      ActorText(e.event).empty() ? "(no actor)" : ActorText(e.event),
                      RecordedAtText(e.event).empty() ? "" : ", recorded ",
                      RecordedAtText(e.event), "\n");
    }
    for (const v1::Posting& p : e.event.postings()) {
      absl::StrAppend(&out, "      ", FormatPosting(p), "\n");
    }
  }
  if (s.entries.empty()) out.append("(no events in this period)\n");
  out.append(
      "\nCredits: the change of In lots. In lots: credits in the customer's "
      "lots,\nspendable until they expire. Held: reserved for calls in "
      "progress. Refund:\nfrozen by refund requests under review. Postings: "
      "Dr debits, Cr credits the\naccount (docs/accounting.md).\n");
  return out;
}

void WriteBalanceJson(const RunningBalance& b, JsonWriter& w) {
  w.BeginObject();
  w.Key("in_lots").Int(b.in_lots);
  w.Key("held").Int(b.held);
  w.Key("refund_pending").Int(b.refund_pending);
  w.Key("total").Int(b.total());
  w.Key("cash_refunded").BeginArray();
  for (const auto& [currency, minor] : b.cash_refunded) {
    w.BeginObject().Key("currency").String(currency);
    w.Key("amount_minor").Int(minor).EndObject();
  }
  w.EndArray().EndObject();
}

void WriteOptionalTime(const std::optional<int64_t>& us, JsonWriter& w) {
  if (us.has_value()) {
    w.String(FormatTimeUs(*us));
  } else {
    w.Null();
  }
}

// The opening, one object per event, the closing: the lines of jsonl and
// the members of json.
std::vector<std::string> JsonObjects(const Statement& s) {
  std::vector<std::string> out;
  JsonWriter open;
  open.BeginObject().Key("type").String("opening");
  open.Key("customer").String(s.customer).Key("from");
  WriteOptionalTime(s.period.from_us, open);
  open.Key("to");
  WriteOptionalTime(s.period.to_us, open);
  open.Key("balance");
  WriteBalanceJson(s.opening, open);
  open.EndObject();
  out.push_back(open.str());
  for (const StatementEntry& e : s.entries) {
    const v1::EventHeader& h = e.event.header();
    JsonWriter w;
    w.BeginObject().Key("type").String("event");
    w.Key("seq").Uint(h.seq());
    w.Key("at").String(FormatTimeUs(h.at_us()));
    if (std::optional<int64_t> requested = RequestedAtUs(e.event)) {
      w.Key("requested_at").String(FormatTimeUs(*requested));
    }
    WriteIssuerJson(e.event, w);  // docs/contract.md section 16
    w.Key("key").String(h.key());
    w.Key("kind").String(CommandKind(e.event.command()));
    w.Key("description").String(DescribeEvent(e.event));
    w.Key("policy_version").String(h.policy_version());
    w.Key("credits").Int(e.change);
    w.Key("balance");
    WriteBalanceJson(e.balance, w);
    w.Key("command");
    WriteCommandJson(e.event.command(), w);
    w.Key("postings");
    WritePostingsJson(e.event.postings(), w);
    WriteFollowUpJson(e.event, w);
    w.EndObject();
    out.push_back(w.str());
  }
  JsonWriter close;
  close.BeginObject().Key("type").String("closing");
  close.Key("customer").String(s.customer);
  close.Key("events").Uint(s.entries.size()).Key("balance");
  WriteBalanceJson(s.closing, close);
  close.EndObject();
  out.push_back(close.str());
  return out;
}

std::string RenderJsonl(const Statement& s) {
  std::string out;
  for (const std::string& object : JsonObjects(s)) {
    absl::StrAppend(&out, object, "\n");
  }
  return out;
}

std::string RenderJson(const Statement& s) {
  const std::vector<std::string> objects = JsonObjects(s);
  std::vector<std::string> events(objects.begin() + 1, objects.end() - 1);
  return absl::StrCat("{\"opening\": ", objects.front(), ", \"events\": [",
                      absl::StrJoin(events, ", "), "], \"closing\": ",
                      objects.back(), "}\n");
}

std::string CsvBalance(const RunningBalance& b) {
  std::vector<std::string> cash;
  for (const auto& [currency, minor] : b.cash_refunded) {
    cash.push_back(absl::StrCat(currency, " ", minor));
  }
  return absl::StrCat(b.in_lots, ",", b.held, ",", b.refund_pending, ",",
                      b.total(), ",", CsvField(absl::StrJoin(cash, ";")));
}

std::string RenderCsv(const Statement& s) {
  std::string out =
      "type,customer,seq,at,key,kind,description,policy_version,credits,"
      "in_lots,held,refund_pending,total,cash_refunded,postings,actor,"
      "recorded_at\r\n";
  const std::string customer = CsvField(s.customer);
  absl::StrAppend(&out, "opening,", customer, ",,",
                  s.period.from_us.has_value() ? FormatTimeUs(*s.period.from_us) : "",
                  ",,,,,,", CsvBalance(s.opening), ",,,\r\n");
  for (const StatementEntry& e : s.entries) {
    const v1::EventHeader& h = e.event.header();
    std::vector<std::string> postings;
    for (const v1::Posting& p : e.event.postings()) {
      postings.push_back(absl::StrCat(v1::Account_Name(p.account()), " ",
                                      p.unit(), " ", p.amount()));
    }
    absl::StrAppend(&out, "event,", customer, ",", h.seq(), ",",
                    FormatTimeUs(h.at_us()), ",", CsvField(h.key()), ",",
                    CommandKind(e.event.command()), ",",
                    CsvField(DescribeEvent(e.event)), ",",
                    CsvField(h.policy_version()), ",", e.change, ",",
                    CsvBalance(e.balance), ",",
                    CsvField(absl::StrJoin(postings, ";")), ",",
                    CsvField(ActorText(e.event)), ",", RecordedAtText(e.event),
                    "\r\n");
  }
  absl::StrAppend(&out, "closing,", customer, ",,",
                  s.period.to_us.has_value() ? FormatTimeUs(*s.period.to_us) : "",
                  ",,,,,,", CsvBalance(s.closing), ",,,\r\n");
  return out;
}

}  // namespace

namespace {

// Calls its argument with each event of the log in order until it returns
// false.
using EventSource =
    std::function<absl::Status(const std::function<bool(const v1::Event&)>&)>;

// Folds the customer's events into a statement; `*seen` tells whether the
// log holds any event of the customer.
absl::StatusOr<Statement> FoldStatement(const std::string& customer,
                                        const StatementPeriod& period,
                                        const EventSource& events,
                                        bool* seen) {
  Statement s;
  s.customer = customer;
  s.period = period;
  RunningBalance balance;
  *seen = false;
  RETURN_IF_ERROR(events([&](const v1::Event& event) {
    const v1::EventHeader& h = event.header();
    if (h.customer() != customer) return true;
    *seen = true;
    // A customer's commands are accepted in time order (TIME_WENT_BACKWARDS),
    // so its first event at or after the period's end ends the statement:
    // [from, to), like every period of ledgerctl, so that consecutive
    // periods share no event.
    if (period.to_us.has_value() && h.at_us() >= *period.to_us) return false;
    const int64_t in_lots_before = balance.in_lots;
    balance.Apply(event);
    if (period.from_us.has_value() && h.at_us() < *period.from_us) {
      s.opening = balance;
      return true;
    }
    s.entries.push_back(
        StatementEntry{event, balance, balance.in_lots - in_lots_before});
    return true;
  }));
  s.closing = balance;
  return s;
}

}  // namespace

absl::StatusOr<Statement> BuildStatement(const Ledger& ledger,
                                         const std::string& customer,
                                         const StatementPeriod& period) {
  // GetBalance tells an unknown customer apart; its time does not matter.
  RETURN_IF_ERROR(ledger.GetBalance(customer, absl::ToUnixMicros(absl::Now()))
                      .status());
  bool seen = false;
  return FoldStatement(
      customer, period,
      [&](const std::function<bool(const v1::Event&)>& fn) {
        return ledger.ReadEvents(1, fn);
      },
      &seen);
}

absl::StatusOr<Statement> ReadStatement(const std::string& dir,
                                        const std::string& customer,
                                        const StatementPeriod& period) {
  bool seen = false;
  absl::StatusOr<Statement> s = FoldStatement(
      customer, period,
      [&](const std::function<bool(const v1::Event&)>& fn) {
        absl::Status read =
            ReadLog(dir, 1, [&](const LogEvent& e) {
              return fn(*e.event) ? absl::OkStatus()
                                  : absl::CancelledError("statement complete");
            });
        return absl::IsCancelled(read) ? absl::OkStatus() : read;
      },
      &seen);
  if (s.ok() && !seen) {
    // A customer exists from its first accepted command, so no event of it
    // means no such customer.
    return absl::NotFoundError(
        absl::StrCat("unknown customer '", customer, "'"));
  }
  return s;
}

std::string RenderStatement(const Statement& statement, StatementFormat format) {
  switch (format) {
    case StatementFormat::kText: return RenderText(statement);
    case StatementFormat::kJson: return RenderJson(statement);
    case StatementFormat::kJsonl: return RenderJsonl(statement);
    case StatementFormat::kCsv: return RenderCsv(statement);
  }
  return "";
}

}  // namespace ledger
