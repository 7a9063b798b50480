#include "tools/ledgerd/server.h"

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "tools/ledgerd/thread_priority.h"

namespace ledger::ledgerd {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const ServerFlags& flags) {
  if (!flags.tls_cert.has_value()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.private_key, ReadFile(*flags.tls_key));
  ASSIGN_OR_RETURN(pair.cert_chain, ReadFile(*flags.tls_cert));
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back(std::move(pair));
  return grpc::SslServerCredentials(options);
}

std::string ListeningOn(const std::string& address, int port) {
  if (absl::StartsWith(address, "unix:")) return address;
  return absl::StrCat(address.substr(0, address.rfind(':')), ":", port);
}

absl::StatusOr<RunningServer> BuildAndStart(const ServerFlags& flags,
                                            grpc::Service* service) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   Credentials(flags));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(flags.listen, credentials, &port);
  builder.RegisterService(service);
  builder.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             kMaxConnectionIdleMs);
  // Threads of the sync methods (ReadEvents; the others are callback
  // methods whose library calls run on the service's CallThreads): one per
  // stream being served plus gRPC's pollers. Room above the in-flight bound,
  // so that it is the bound (RESOURCE_EXHAUSTED, at once) that refuses
  // extra calls, not a silent queue for a thread.
  grpc::ResourceQuota quota("ledgerd");
  quota.SetMaxThreads(2 * flags.max_in_flight + 64);
  builder.SetResourceQuota(quota);
  RunningServer running;
  running.server = builder.BuildAndStart();
  bool unix_socket = absl::StartsWith(flags.listen, "unix:");
  if (running.server == nullptr || (!unix_socket && port == 0)) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", flags.listen,
                     " (address in use, or not an address of this machine?)"));
  }
  running.server->GetHealthCheckService()->SetServingStatus(true);
  running.listening_on = ListeningOn(flags.listen, port);
  return running;
}

}  // namespace

absl::StatusOr<RunningServer> StartServer(const ServerFlags& flags,
                                          grpc::Service* service) {
  if (flags.grpc_nice <= 0) return BuildAndStart(flags, service);
  // gRPC starts its server threads (the callback threads that read the
  // requests and run each call's completions, the sync methods' threads)
  // from the thread that starts the server, and they keep its nice value:
  // start it from a thread of its own, lowered first, so that the calling
  // thread and the threads it starts later keep theirs.
  absl::StatusOr<RunningServer> running =
      absl::InternalError("the server was not started");
  std::thread starter([&] {
    if (absl::Status lowered = LowerThisThreadsPriority(flags.grpc_nice);
        !lowered.ok()) {
      // Served as before, only without the lower priority.
      std::cerr << "ledgerd: " << lowered.message() << std::endl;
    }
    running = BuildAndStart(flags, service);
  });
  starter.join();
  return running;
}

}  // namespace ledger::ledgerd
