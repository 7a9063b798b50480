// The balance of docs/contract.md section 6 as `ledgerctl balance` prints
// it (without the line break).
#ifndef CREDIT_LEDGER_TOOLS_RENDER_BALANCE_JSON_H_
#define CREDIT_LEDGER_TOOLS_RENDER_BALANCE_JSON_H_

#include <string>

#include "ledger/balance.h"

namespace ledger::render {

std::string BalanceJson(const Balance& balance);

}  // namespace ledger::render

#endif  // CREDIT_LEDGER_TOOLS_RENDER_BALANCE_JSON_H_
