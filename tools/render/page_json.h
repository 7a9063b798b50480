// The pages of ledger/pages.h and of a customer's history as JSON
// (docs/http.md): what `GET /v1/customers`, `GET /v1/refunds` and `GET
// /v1/customers/{id}/events` answer, and `ledgerctl customers
// --after/--limit --format json` prints.
#ifndef CREDIT_LEDGER_TOOLS_RENDER_PAGE_JSON_H_
#define CREDIT_LEDGER_TOOLS_RENDER_PAGE_JSON_H_

#include <cstdint>
#include <string>

#include "ledger/ledger.h"
#include "ledger/pages.h"

namespace ledger::render {

// {"at", "customers": [{"customer", "status", "available", "promotional",
// "scoped"}], "next_after": ID or null}
std::string CustomerPageJson(const CustomerPage& page, int64_t at_us);

// {"refunds": [{"customer", "refund_id", "purchase_id", "credits",
// "cash": {"currency", "amount_minor"}, "requested_at", "window_ends_at"}],
// "next_after": CURSOR or null}
std::string PendingRefundPageJson(const PendingRefundPage& page);

// {"events": [each event exactly as `ledgerctl export` writes its line],
// "next_from_seq": N or null}: one page of a customer's history, what
// `GET /v1/customers/{id}/events` answers.
std::string CustomerEventPageJson(const CustomerEventPage& page);

}  // namespace ledger::render

#endif  // CREDIT_LEDGER_TOOLS_RENDER_PAGE_JSON_H_
