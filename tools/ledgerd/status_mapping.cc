#include "tools/ledgerd/status_mapping.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/ledger.h"

namespace ledger::ledgerd {

absl::Status FromLedger(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kInvalidArgument:
      return status;
    case absl::StatusCode::kUnavailable:
      // A full disk: retryable once there is room, and the message says
      // so (the ledger takes writes again by itself).
      if (IsDiskFull(status)) return status;
      [[fallthrough]];
    default:
      // The library fails only when its store failed (ledger.h); it then
      // refuses writes until reopened, which an operator must know.
      return absl::InternalError(absl::StrCat(
          "the ledger's store failed: ", status.ToString(),
          "; it refuses writes until ledgerd is restarted"));
  }
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  // absl::StatusCode and grpc::StatusCode share their numbering (both are
  // google.rpc.Code).
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace ledger::ledgerd
