// Builds and starts the gRPC server of ledgerd: credentials (TLS or not),
// limits, the health and reflection services, the listening port.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_SERVER_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_SERVER_H_

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "tools/ledgerd/flags.h"

namespace ledger::ledgerd {

// Largest request accepted, in bytes; a larger one is refused by gRPC with
// RESOURCE_EXHAUSTED from its length prefix, before it is buffered. 16 MiB
// holds a full SubmitBatch of 10 000 commands of ~1.6 KB each (a typical
// command is 150-300 bytes).
inline constexpr int kMaxReceiveBytes = 16 * 1024 * 1024;

// A connection with no RPC for this long is closed by the server, so idle
// connections cannot pile up for ever.
inline constexpr int kMaxConnectionIdleMs = 5 * 60 * 1000;

struct RunningServer {
  std::unique_ptr<grpc::Server> server;
  std::string listening_on;  // HOST:PORT with the real port, or unix:PATH
};

// Starts serving `service` on flags.listen. Unavailable when it cannot
// listen; InvalidArgument when a TLS file cannot be read. gRPC's server
// threads run flags.grpc_nice nice levels below the calling thread
// (thread_priority.h); the calling thread keeps its own.
[[nodiscard]] absl::StatusOr<RunningServer> StartServer(
    const ServerFlags& flags, grpc::Service* service);

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_SERVER_H_
