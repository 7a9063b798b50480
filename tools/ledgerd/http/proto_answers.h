// The cluster's answers (the service's messages, as a node forwards them)
// back as the library's types, so the HTTP API renders a forwarded answer
// with the same code as a local one (tools/render): the inverse of
// tools/ledgerd/conversions.h.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_PROTO_ANSWERS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_PROTO_ANSWERS_H_

#include "absl/status/statusor.h"
#include "ledger/balance.h"
#include "ledger/ledger.h"
#include "ledger/v1/service.pb.h"

namespace ledger::http {

SubmitResult FromResultProto(const v1::Result& result);

// InvalidArgument... never: DataLoss when a time in it does not parse (a
// node answered something no node writes).
[[nodiscard]] absl::StatusOr<Balance> FromBalanceProto(
    const v1::Balance& balance);

}  // namespace ledger::http

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_PROTO_ANSWERS_H_
