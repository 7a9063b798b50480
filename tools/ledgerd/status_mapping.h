// Where statuses become gRPC statuses (docs/contract.md section 9 codes).
// Handlers work with absl::Status: the ones the service raises itself carry
// their docs/contract.md section 9 code already; those of the library pass
// through FromLedger first, since the library's codes say what failed inside
// (Unavailable for an I/O error of the store), not what the caller should do.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_STATUS_MAPPING_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_STATUS_MAPPING_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace ledger::ledgerd {

// A status returned by the library: NotFound (unknown customer) and
// InvalidArgument (a bad request) are the caller's, and a full disk's
// Unavailable (IsDiskFull) stays Unavailable: retry once there is room.
// Every other non-OK one means the store failed and becomes Internal, with
// a message that says so.
absl::Status FromLedger(const absl::Status& status);

// The gRPC status of the same code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_STATUS_MAPPING_H_
