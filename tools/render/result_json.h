// One result of a command as `ledgerctl apply` prints it (docs/contract.md
// section 7): {"key", "status", "seq"[, "duplicate"][, "available"][, "at"]
// [, "alerts"][, "top_up"]} or {"key", "status": "REJECTED", "code",
// "message"}, on one line, without its line break.
#ifndef CREDIT_LEDGER_TOOLS_RENDER_RESULT_JSON_H_
#define CREDIT_LEDGER_TOOLS_RENDER_RESULT_JSON_H_

#include <string>

#include "ledger/ledger.h"

namespace ledger::render {

std::string ResultJson(const SubmitResult& result);

}  // namespace ledger::render

#endif  // CREDIT_LEDGER_TOOLS_RENDER_RESULT_JSON_H_
