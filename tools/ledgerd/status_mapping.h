// The one place where the library's absl::Status becomes a gRPC status
// (SPEC 9's codes). Handlers work with absl::Status and call this at the end.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_STATUS_MAPPING_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_STATUS_MAPPING_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace ledger::ledgerd {

// Codes the service raises itself (Unauthenticated, PermissionDenied,
// InvalidArgument, NotFound, ResourceExhausted, Unavailable,
// DeadlineExceeded, Cancelled) keep their meaning; anything else came from
// the store and is INTERNAL with a message that says so.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_STATUS_MAPPING_H_
