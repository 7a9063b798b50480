// The trial balance of the journal (docs/accounting.md): the postings of
// every event up to a time, summed per account and unit, read from a log
// whose hash chain checks (ledger/verify.h).
#ifndef CREDIT_LEDGER_LEDGER_TRIAL_BALANCE_H_
#define CREDIT_LEDGER_LEDGER_TRIAL_BALANCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/v1/types.pb.h"

namespace ledger {

// Sums are 128-bit: one customer's credits stay below 10^18, but the sums
// over every customer and every event need not fit in int64.
struct TrialBalanceLine {
  v1::Account account = v1::ACCOUNT_UNSPECIFIED;  // summed over customers
  std::string unit;       // "CREDITS" or an ISO-4217 currency
  __int128 debit = 0;     // sum of the positive postings
  __int128 credit = 0;    // sum of the negative postings, as a positive number
  __int128 net() const { return debit - credit; }  // the account's balance
};

struct TrialBalanceTotal {
  std::string unit;
  __int128 debit = 0;
  __int128 credit = 0;
  // Every journal entry balances per unit, so the ledger's does too.
  bool balanced() const { return debit == credit; }
};

struct TrialBalance {
  uint64_t events_read = 0;    // events of the log (to its head)
  uint64_t events_summed = 0;  // those with `at` at or before the time asked
  // Units in order: CREDITS first, then currencies by code; within a unit,
  // accounts in the order of the Account enum. Only accounts with postings.
  std::vector<TrialBalanceLine> lines;
  std::vector<TrialBalanceTotal> totals;  // one per unit, in the same order
  bool balanced() const;                  // every unit nets to zero
};

// Sums the postings of every event of the ledger in `dir` whose `at` is at
// or before `as_of_us` (every event when absent), reading without writing.
// Each event is dated by its own `at`, so the sums are those of the entries
// dated up to that time even where the log holds customers' events out of
// time order. The log is verified as by VerifyLog first: DataLoss naming the
// first bad seq when it does not check; NotFound when there is no ledger.
[[nodiscard]] absl::StatusOr<TrialBalance> ComputeTrialBalance(
    const std::string& dir, std::optional<int64_t> as_of_us);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_TRIAL_BALANCE_H_
