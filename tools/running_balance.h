// The running balance of a customer's statement: a fold over the journal
// lines (postings) of the customer's events, in log order. Derived from the
// postings alone, it is the journal's view of the customer and agrees with
// the projections by docs/accounting.md invariant 2, which `ledgerctl
// replay` checks:
//   in_lots        = -balance of CUSTOMER_LOTS
//                  = the sum of `remaining` over the customer's lots, expired
//                    but not yet swept ones included (what `ledgerctl
//                    balance` lists under "lots"; equal to its "available"
//                    unless a lot has expired and no `expire` has run since)
//   held           = -balance of CUSTOMER_HELD  = balance's "held"
//   refund_pending = -balance of CUSTOMER_REFUND_PENDING
//                                               = balance's "refund_pending"
//   cash_refunded  = -balance of REFUNDS_PAYABLE over the customer's events,
//                    per currency: cash refunds approved so far
#ifndef CREDIT_LEDGER_TOOLS_RUNNING_BALANCE_H_
#define CREDIT_LEDGER_TOOLS_RUNNING_BALANCE_H_

#include <cstdint>
#include <map>
#include <string>

#include "ledger/v1/event.pb.h"

namespace ledger::tools {

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

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_RUNNING_BALANCE_H_
