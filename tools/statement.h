// A customer's statement (`ledgerctl statement`): the customer's events in
// log order with their postings and the running balance after each, in
// three renderings (text for a person, JSON Lines and CSV for programs).
//
// The running balance is RunningBalance (running_balance.h): folded from
// the postings of every event of the customer from the first one on. Events
// before the period feed the opening balance; the balance after the last
// event of the period is the closing balance. After the customer's last
// event it equals what `ledgerctl balance` shows at any time: in_lots = the
// sum of the lots' remaining, held, refund_pending.
#ifndef CREDIT_LEDGER_TOOLS_STATEMENT_H_
#define CREDIT_LEDGER_TOOLS_STATEMENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "tools/running_balance.h"

namespace ledger::tools {

// The events of the statement are those with from_us <= at <= to_us.
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

enum class StatementFormat { kText, kJson, kCsv };

// Reads the log of `ledger` and builds the statement. NotFound for an
// unknown customer; the ledger's errors otherwise.
[[nodiscard]] absl::StatusOr<Statement> BuildStatement(
    const Ledger& ledger, const std::string& customer,
    const StatementPeriod& period);

// The same, read from the log in `dir` alone without taking the ledger from
// its writer (ledger/stored_events.h; beside a live writer, the log as it
// stood when the read began). NotFound when the log holds no event of
// `customer`.
[[nodiscard]] absl::StatusOr<Statement> BuildStatementFromLog(
    const std::string& dir, const std::string& customer,
    const StatementPeriod& period);

// The whole output of `ledgerctl statement` in `format`, ending in a line
// break (CRLF line ends for csv, RFC 4180).
std::string RenderStatement(const Statement& statement, StatementFormat format);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_STATEMENT_H_
