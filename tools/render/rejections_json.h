// A page of the refusal journal (ledger/rejections.h) as JSON: what
// `ledgerctl rejections --format json` prints and `GET
// /v1/customers/{id}/rejections` answers (docs/http.md), the same bytes
// from this one function.
#ifndef CREDIT_LEDGER_TOOLS_RENDER_REJECTIONS_JSON_H_
#define CREDIT_LEDGER_TOOLS_RENDER_REJECTIONS_JSON_H_

#include <string>

#include "ledger/rejections.h"

namespace ledger::render {

// {"rejections": [{"recorded_at", "customer", "key", "kind", "code",
// "message", "actor", "at"}], "next_after": CURSOR or null}: every member
// a string (an empty one when the command did not carry it), oldest first.
std::string RejectionPageJson(const RejectionPage& page);

}  // namespace ledger::render

#endif  // CREDIT_LEDGER_TOOLS_RENDER_REJECTIONS_JSON_H_
