// RunningBalance::Apply (ledger/statement.h): the fold of one event's
// postings into a customer's running balance.
#include "ledger/statement.h"

namespace ledger {

void RunningBalance::Apply(const v1::Event& event) {
  // A posting's amount is a signed debit; the customer accounts and
  // REFUNDS_PAYABLE have normal credit balances, hence the minus signs.
  for (const v1::Posting& p : event.postings()) {
    switch (p.account()) {
      case v1::CUSTOMER_LOTS: in_lots -= p.amount(); break;
      case v1::CUSTOMER_HELD: held -= p.amount(); break;
      case v1::CUSTOMER_REFUND_PENDING: refund_pending -= p.amount(); break;
      case v1::REFUNDS_PAYABLE: cash_refunded[p.unit()] -= p.amount(); break;
      default: break;
    }
  }
}

}  // namespace ledger
