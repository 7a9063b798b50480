#include "tools/ledgerd/status_mapping.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"

namespace ledger::ledgerd {
namespace {

std::optional<grpc::StatusCode> KeptCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return grpc::StatusCode::OK;
    case absl::StatusCode::kUnauthenticated: return grpc::StatusCode::UNAUTHENTICATED;
    case absl::StatusCode::kPermissionDenied: return grpc::StatusCode::PERMISSION_DENIED;
    case absl::StatusCode::kInvalidArgument: return grpc::StatusCode::INVALID_ARGUMENT;
    case absl::StatusCode::kNotFound: return grpc::StatusCode::NOT_FOUND;
    case absl::StatusCode::kResourceExhausted: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case absl::StatusCode::kUnavailable: return grpc::StatusCode::UNAVAILABLE;
    case absl::StatusCode::kDeadlineExceeded: return grpc::StatusCode::DEADLINE_EXCEEDED;
    case absl::StatusCode::kCancelled: return grpc::StatusCode::CANCELLED;
    default: return std::nullopt;
  }
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (std::optional<grpc::StatusCode> code = KeptCode(status.code())) {
    return grpc::Status(*code, std::string(status.message()));
  }
  // The library fails only when its store failed (ledger.h); it then
  // refuses writes until reopened, which an operator must know.
  return grpc::Status(
      grpc::StatusCode::INTERNAL,
      absl::StrCat("the ledger's store failed (", status.ToString(),
                   "); the ledger refuses writes until ledgerd restarts"));
}

}  // namespace ledger::ledgerd
