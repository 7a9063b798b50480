// A customer's statement: the customer's events in log order, each with its
// postings and the running balance after it, for a period, in the three
// renderings `ledgerctl statement` prints (text for a person, JSON Lines and
// CSV for programs; docs/audit.md).
//
//   ledger::StatementPeriod period;
//   period.from_us = ...;  // optional, RFC 3339 via ledger/time_util.h
//   absl::StatusOr<ledger::Statement> s =
//       ledger::ReadStatement("/var/ledger", "c1", period);
//   if (s.ok()) std::cout << ledger::RenderStatement(*s, ledger::StatementFormat::kText);
//
// The running balance is folded from the postings of every event of the
// customer from the first one on: events before the period feed the opening
// balance; the balance after the last event of the period is the closing
// balance. After the customer's last event it equals what GetBalance shows
// (docs/accounting.md invariant 2):
//   in_lots        = -balance of CUSTOMER_LOTS = the sum of the lots'
//                    `remaining`, expired but not yet swept lots included
//   held           = -balance of CUSTOMER_HELD
//   refund_pending = -balance of CUSTOMER_REFUND_PENDING
//   cash_refunded  = -balance of REFUNDS_PAYABLE over the customer's events,
//                    per currency: cash refunds approved so far
#ifndef CREDIT_LEDGER_LEDGER_STATEMENT_H_
#define CREDIT_LEDGER_LEDGER_STATEMENT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "ledger/v1/event.pb.h"

namespace ledger {

struct RunningBalance {
  int64_t in_lots = 0;
  int64_t held = 0;
  int64_t refund_pending = 0;
  std::map<std::string, int64_t> cash_refunded;  // by currency, sorted

  // Every credit the customer still has: in_lots + held + refund_pending.
  int64_t total() const { return in_lots + held + refund_pending; }

  // Folds one event's postings in. REQUIRES: the event is the customer's
  // (CUSTOMER_* accounts are always the event's own customer's).
  void Apply(const v1::Event& event);

  bool operator==(const RunningBalance&) const = default;
};

// The events of the statement are those with from_us <= at < to_us: the
// end is excluded, as in the liability report, so that consecutive periods
// (one month's `to` the next one's `from`) share no event.
struct StatementPeriod {
  std::optional<int64_t> from_us;  // none: from the first event
  std::optional<int64_t> to_us;    // none: to the last event
};

struct StatementEntry {
  v1::Event event;
  RunningBalance balance;  // after the event
  int64_t change = 0;      // of in_lots by the event
};

struct Statement {
  std::string customer;
  StatementPeriod period;
  RunningBalance opening;
  RunningBalance closing;
  std::vector<StatementEntry> entries;
};

// kText: for a person. kJsonl: JSON Lines, {"type": "opening", ...}, one
// {"type": "event", ...} per event, {"type": "closing", ...}. kJson: the
// same objects in one document, {"opening": {...}, "events": [...],
// "closing": {...}}. kCsv: RFC 4180 with a header row.
enum class StatementFormat { kText, kJson, kCsv, kJsonl };

// Builds the statement from the log of an open `ledger`. Returns NotFound
// for an unknown customer, the ledger's errors otherwise.
[[nodiscard]] absl::StatusOr<Statement> BuildStatement(
    const Ledger& ledger, const std::string& customer,
    const StatementPeriod& period);

// Builds the statement from the log in `dir` without opening the ledger for
// writing, so beside a live writer too (then from the log as it stood when
// the read began); never creates `dir`. Returns NotFound when `dir` holds no
// ledger or its log no event of `customer`, FailedPrecondition when `dir` is
// not a ledger, DataLoss for a damaged event.
[[nodiscard]] absl::StatusOr<Statement> ReadStatement(
    const std::string& dir, const std::string& customer,
    const StatementPeriod& period);

// The whole statement in `format` exactly as `ledgerctl statement` prints
// it, ending in a line break (CRLF line ends for csv, RFC 4180).
std::string RenderStatement(const Statement& statement, StatementFormat format);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_STATEMENT_H_
