// The library's answers as the service's messages: SubmitResult as Result (an
// `apply` result line, docs/contract.md section 7) and Balance as Balance
// (docs/contract.md section 6). Plain field copies with times formatted as RFC
// 3339; no JSON involved.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CONVERSIONS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CONVERSIONS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "ledger/balance.h"
#include "ledger/ledger.h"
#include "ledger/v1/service.pb.h"

namespace ledger::ledgerd {

v1::Result ToResultProto(const SubmitResult& result);

v1::Balance ToBalanceProto(const Balance& balance);

// The time a GetBalanceRequest asks about, in microseconds since the epoch:
// its `at`, or now when `at` is empty. InvalidArgument ("bad at: ...") for
// an `at` that is not RFC 3339.
absl::StatusOr<int64_t> BalanceTimeUs(const v1::GetBalanceRequest& request);

// What a GetBalanceRequest asks of `ledger`: the balance at `at`
// (GetBalance) or, with as_of, the customer's state as its own events up
// to then leave it (GetBalanceAsOf, docs/service.md). The outer status is
// the request's (InvalidArgument for a bad time, or as_of with at); the
// inner one the ledger's answer, for FromLedger.
absl::StatusOr<absl::StatusOr<Balance>> AnswerBalance(
    const Ledger& ledger, const v1::GetBalanceRequest& request);

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CONVERSIONS_H_
