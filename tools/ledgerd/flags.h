// The command line of ledgerd (docs/contract.md section 9): what it parses
// into, and the rule that keeps an unauthenticated server off the network.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_FLAGS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_FLAGS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ledger::ledgerd {

// RPCs served at once before new ones get RESOURCE_EXHAUSTED. Each takes a
// thread of the server while it runs (a follow stream for its whole life),
// so this also bounds the threads; 256 is far above what the 2-core machines
// the ledger is measured on need to keep group commit busy.
inline constexpr int kDefaultMaxInFlight = 256;

// How many nice levels gRPC's server threads run below ledgerd's own
// (thread_priority.h, docs/service.md "Threads"): measured with 64
// clients and ledgerd sharing one core, 10 cut the context switches per
// Submit from 4.4 to 1.4; 3 and 5 cut them to 3.0 and 2.1.
inline constexpr int kDefaultGrpcNice = 10;

struct ServerFlags {
  std::string db;      // --db DIR (created when missing)
  std::string listen;  // --listen HOST:PORT or unix:PATH
  std::optional<std::string> tokens_file;  // --tokens FILE
  std::optional<std::string> tls_cert;     // --tls-cert FILE
  std::optional<std::string> tls_key;      // --tls-key FILE
  std::optional<std::string> metrics;      // --metrics HOST:PORT
  std::optional<std::string> webhooks;     // --webhooks FILE
  std::optional<std::string> http;         // --http HOST:PORT (docs/http.md)
  int max_in_flight = kDefaultMaxInFlight; // --max-in-flight N
  int grpc_nice = kDefaultGrpcNice;        // --grpc-nice N (0..19, 0: none)
  // Cluster mode (docs/contract.md section 10, docs/cluster.md): set by --nats.
  std::string nats;                        // --nats URL[,URL...]
  int partitions = 0;                      // --partitions P
  std::string node;                        // --node NAME
  std::optional<std::string> host_partitions;  // --host-partitions LIST
  int replicas = 3;                        // --replicas N (stream copies)
  // --stream-max-age DURATION, --stream-max-msgs N: the retention of the
  // partitions' streams (docs/cluster.md, "Stream retention"); unset
  // leaves a stream's retention as it is, 0 removes the bound.
  std::optional<absl::Duration> stream_max_age;
  std::optional<int64_t> stream_max_msgs;
  // --max-future DURATION|off: the edge guard of docs/edge-guards.md, on
  // at 24 hours when unset (docs/contract.md section 15), none for `off`;
  // max_future_text is the value as given (nullopt: not given), for
  // messages.
  std::optional<absl::Duration> max_future = absl::Hours(24);
  std::optional<std::string> max_future_text;
  // --max-past DURATION|off (docs/contract.md section 16): off (nullopt)
  // unless given.
  std::optional<absl::Duration> max_past;
  // --min-free-disk SIZE: Options::min_free_disk_bytes; unset keeps the
  // library's default.
  std::optional<uint64_t> min_free_disk;
  // --rejection-retention: Options::rejection_retention (the refusal
  // journal, docs/audit.md); unset keeps the library's default (90 days).
  // Single-node only for now: a cluster's partition ledgers keep the default.
  std::optional<std::chrono::seconds> rejection_retention;
  bool version = false;                    // --version
  bool help = false;                       // --help
};

extern const std::string_view kUsage;

// Parses argv. InvalidArgument naming the flag that is wrong (unknown,
// missing value, --tls-cert without --tls-key, ...).
[[nodiscard]] absl::StatusOr<ServerFlags> ParseFlags(int argc, char** argv);

// True for unix:PATH and for a host that only this machine can reach
// (127.0.0.0/8, [::1], localhost): the only addresses served without tokens.
bool IsLoopbackOrUnix(std::string_view address);

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_FLAGS_H_
