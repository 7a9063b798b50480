// The sums behind a trial balance, per unit and account, in the report's
// order (CREDITS before every currency, then currencies by code; accounts
// by number): the one accumulator of a ledger's trial balance
// (trial_balance.cc, from postings) and of a cluster node's
// (node_reports.cc, from its partitions' lines).
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_TRIAL_BALANCE_SUMS_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_TRIAL_BALANCE_SUMS_H_

#include <map>
#include <string>
#include <utility>

#include "ledger/trial_balance.h"

namespace ledger {

class TrialBalanceSums {
 public:
  // Adds `debit` and `credit` to `unit`'s line of `account`.
  void Add(const std::string& unit, v1::Account account, __int128 debit,
           __int128 credit) {
    TrialBalanceLine& line = sums_[unit][static_cast<int>(account)];
    line.account = account;
    line.unit = unit;
    line.debit += debit;
    line.credit += credit;
  }

  // Moves the lines into `out->lines` and each unit's total into
  // `out->totals`, in the report's order.
  void MoveInto(TrialBalance* out) && {
    for (auto& [unit, accounts] : sums_) {
      TrialBalanceTotal& total = out->totals.emplace_back();
      total.unit = unit;
      for (auto& [number, line] : accounts) {
        total.debit += line.debit;
        total.credit += line.credit;
        out->lines.push_back(std::move(line));
      }
    }
  }

 private:
  struct UnitOrder {
    bool operator()(const std::string& a, const std::string& b) const {
      if ((a == "CREDITS") != (b == "CREDITS")) return a == "CREDITS";
      return a < b;
    }
  };
  std::map<std::string, std::map<int, TrialBalanceLine>, UnitOrder> sums_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_TRIAL_BALANCE_SUMS_H_
