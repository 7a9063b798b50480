// The pages of ledger/pages.h as JSON (docs/http.md): what `GET
// /v1/customers` and `GET /v1/refunds` answer, and `ledgerctl customers
// --after/--limit --format json` prints.
#ifndef CREDIT_LEDGER_TOOLS_RENDER_PAGE_JSON_H_
#define CREDIT_LEDGER_TOOLS_RENDER_PAGE_JSON_H_

#include <cstdint>
#include <string>

#include "ledger/pages.h"

namespace ledger::render {

// {"at", "customers": [{"customer", "status", "available", "promotional",
// "scoped"}], "next_after": ID or null}
std::string CustomerPageJson(const CustomerPage& page, int64_t at_us);

// {"refunds": [{"customer", "refund_id", "purchase_id", "credits",
// "cash": {"currency", "amount_minor"}, "requested_at", "window_ends_at"}],
// "next_after": CURSOR or null}
std::string PendingRefundPageJson(const PendingRefundPage& page);

}  // namespace ledger::render

#endif  // CREDIT_LEDGER_TOOLS_RENDER_PAGE_JSON_H_
