// ledgerd: the ledger as a gRPC service (docs/contract.md section 9,
// docs/service.md). Opens the ledger, serves it until SIGTERM or SIGINT, then
// drains: stops accepting, answers every RPC in flight, closes the ledger,
// exits 0.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string.h>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/options.h"
#include "absl/strings/str_split.h"
#include "tools/edge/future_guard.h"
#include "tools/edge/past_guard.h"
#include "tools/ledgerd/cluster/cluster_node.h"
#include "tools/ledgerd/cluster/cluster_webhooks.h"
#include "tools/ledgerd/cluster/partitioning.h"
#include "tools/ledgerd/disk_watch.h"
#include "tools/ledgerd/flags.h"
#include "tools/ledgerd/http/backend.h"
#include "tools/ledgerd/http/http_api.h"
#include "tools/ledgerd/metrics.h"
#include "tools/ledgerd/retention_watch.h"
#include "tools/ledgerd/server.h"
#include "tools/ledgerd/service_impl.h"
#include "tools/ledgerd/signals.h"
#include "tools/ledgerd/tokens.h"
#include "tools/ledgerd/webhooks/http_post.h"
#include "tools/ledgerd/webhooks/webhook_config.h"
#include "tools/ledgerd/webhooks/webhook_delivery.h"

namespace ledger::ledgerd {
namespace {

// How long a drain waits for RPCs in flight before cancelling them. A
// SubmitBatch of 10 000 commands takes well under a second; follow streams
// end within kFollowPoll.
constexpr auto kDrainDeadline = std::chrono::seconds(30);
// How often the health of writes is checked (DiskWatch): one statvfs, so a
// second costs nothing, and a full disk freed is seen within it.
constexpr absl::Duration kDiskWatchPeriod = absl::Seconds(1);

int Fail(int exit_code, const std::string& message) {
  std::cerr << "ledgerd: " << message << std::endl;
  return exit_code;
}

absl::StatusOr<std::unique_ptr<cluster::ClusterNode>> StartClusterNode(
    const ServerFlags& flags) {
  cluster::ClusterConfig config;
  config.dir = flags.db;
  config.nats_urls = absl::StrSplit(flags.nats, ',', absl::SkipEmpty());
  config.partitions = flags.partitions;
  config.node = flags.node;
  config.replicas = flags.replicas;
  config.retention.max_age = flags.stream_max_age;
  config.retention.max_msgs = flags.stream_max_msgs;
  if (flags.min_free_disk.has_value()) {
    config.min_free_disk_bytes = *flags.min_free_disk;
  }
  if (flags.host_partitions.has_value()) {
    absl::StatusOr<std::vector<int>> hosted = cluster::ParsePartitionList(
        *flags.host_partitions, flags.partitions);
    if (!hosted.ok()) return hosted.status();
    config.hosted = *std::move(hosted);
  } else {
    for (int p = 0; p < flags.partitions; ++p) config.hosted.push_back(p);
  }
  return cluster::ClusterNode::Start(config);
}

// Serves until a stop signal, then drains. Returns the exit status.
int Serve(const ServerFlags& flags, const TokenTable& tokens,
          std::vector<WebhookEndpoint> webhooks) {
  BlockStopSignals();
  Metrics metrics;
  if (flags.metrics.has_value()) {
    absl::StatusOr<int> port = metrics.Serve(*flags.metrics);
    if (!port.ok()) return Fail(1, std::string(port.status().message()));
    std::cerr << "ledgerd: metrics on port " << *port << " at /metrics"
              << std::endl;
  }
  // Cluster mode: the node's partitions instead of one ledger.
  absl::StatusOr<std::unique_ptr<cluster::ClusterNode>> node =
      std::unique_ptr<cluster::ClusterNode>();
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = std::unique_ptr<Ledger>();
  if (!flags.nats.empty()) {
    node = StartClusterNode(flags);
    if (!node.ok()) {
      // A bad --host-partitions is bad usage (2), like any other flag.
      return Fail(absl::IsInvalidArgument(node.status()) ? 2 : 1,
                  "cannot join the cluster: " + node.status().ToString());
    }
  } else {
    // metrics outlives the ledger: the hook runs until the ledger is closed.
    Options options;
    options.on_group_committed = [&metrics](const CommitStats& stats) {
      metrics.ObserveGroupCommit(stats);
    };
    if (flags.min_free_disk.has_value()) {
      options.min_free_disk_bytes = *flags.min_free_disk;
    }
    if (flags.rejection_retention.has_value()) {
      options.rejection_retention = *flags.rejection_retention;
    }
    ledger = Ledger::Open(options, flags.db);
  }
  if (!ledger.ok()) {
    return Fail(1, "cannot open the ledger: " + ledger.status().ToString());
  }
  // Delivery reads the ledger, so it stops before the ledger closes.
  std::unique_ptr<WebhookDelivery> delivery;
  std::unique_ptr<cluster::ClusterWebhooks> cluster_delivery;
  if (!webhooks.empty() && *node != nullptr) {
    // Per partition, by the node holding its lease (docs/cluster.md).
    absl::StatusOr<std::unique_ptr<cluster::ClusterWebhooks>> started =
        cluster::ClusterWebhooks::Start(node->get(), std::move(webhooks),
                                        metrics.registry());
    if (!started.ok()) {
      return Fail(1, "cannot start webhook delivery: " +
                         started.status().ToString());
    }
    cluster_delivery = *std::move(started);
  } else if (!webhooks.empty()) {
    absl::StatusOr<std::unique_ptr<WebhookDelivery>> started =
        WebhookDelivery::Start(ledger->get(), std::move(webhooks),
                               metrics.registry());
    if (!started.ok()) {
      return Fail(1, "cannot start webhook delivery: " +
                         started.status().ToString());
    }
    delivery = *std::move(started);
  }
  // Declared before the service, which keeps a pointer to it.
  std::optional<edge::FutureGuard> future_guard;
  if (flags.max_future.has_value()) {
    future_guard.emplace(*flags.max_future,
                         edge::MaxFutureSetting(flags.max_future_text));
  }
  std::optional<edge::PastGuard> past_guard;
  if (flags.max_past.has_value()) past_guard.emplace(*flags.max_past);
  LedgerServiceImpl service(ledger->get(), &tokens, &metrics,
                            flags.max_in_flight);
  if (*node != nullptr) service.SetCluster(node->get());
  if (future_guard.has_value()) service.SetFutureGuard(&*future_guard);
  if (past_guard.has_value()) service.SetPastGuard(&*past_guard);
  absl::StatusOr<RunningServer> running = StartServer(flags, &service);
  if (!running.ok()) return Fail(1, running.status().ToString());
  // Single-ledger mode: whether writes are taken, in health and metrics.
  std::optional<DiskWatch> disk_watch;
  if (*ledger != nullptr) {
    grpc::HealthCheckServiceInterface* health =
        running->server->GetHealthCheckService();
    disk_watch.emplace(ledger->get(), kDiskWatchPeriod,
                       [&metrics, health](bool disk_full, const absl::Status&) {
                         metrics.SetDiskFull(disk_full);
                         health->SetServingStatus(kWritesHealthService,
                                                  !disk_full);
                       });
  }
  // Cluster mode: partitions behind their stream's retention, in health
  // and metrics.
  std::optional<RetentionWatch> retention_watch;
  if (*node != nullptr) {
    cluster::ClusterNode* n = node->get();
    retention_watch.emplace(
        n->hosted(), [n] { return n->PartitionsBehindRetention(); },
        kDiskWatchPeriod, running->server->GetHealthCheckService(),
        metrics.registry());
  }
  // --http (docs/http.md): the same ledger, tokens, bound and guards.
  std::optional<http::Backend> http_backend;
  std::unique_ptr<http::HttpApi> http_api;
  if (flags.http.has_value()) {
    http_backend.emplace(ledger->get(), node->get(), flags.db, &metrics);
    http::RouteContext context{
        .backend = &*http_backend,
        .future_guard = future_guard.has_value() ? &*future_guard : nullptr,
        .past_guard = past_guard.has_value() ? &*past_guard : nullptr};
    absl::StatusOr<std::unique_ptr<http::HttpApi>> started = http::HttpApi::Start(
        http::HttpConfig{*flags.http, flags.tls_cert, flags.tls_key}, context,
        &tokens, &metrics, &service);
    if (!started.ok()) return Fail(1, started.status().ToString());
    http_api = *std::move(started);
  }
  std::printf("listening on %s\n", running->listening_on.c_str());
  // After the line tools wait for (docs/contract.md section 9), so they
  // read it as before.
  if (http_api != nullptr) {
    std::printf("http on %s\n", http_api->listening_on().c_str());
  }
  std::fflush(stdout);

  int signal = WaitForStopSignal();
  std::cerr << "ledgerd: " << strsignal(signal)
            << ": draining (no new calls, answering those in flight)"
            << std::endl;
  disk_watch.reset();  // before the server and the ledger go
  retention_watch.reset();
  if (delivery != nullptr) delivery->Stop();  // a POST in flight is resent
  cluster_delivery.reset();  // releases the leases: other nodes take over
  service.BeginShutdown();
  if (http_api != nullptr) http_api->BeginShutdown();  // new requests: 503
  running->server->GetHealthCheckService()->SetServingStatus(false);
  running->server->Shutdown(std::chrono::system_clock::now() + kDrainDeadline);
  running->server->Wait();
  if (http_api != nullptr) http_api->Stop(absl::FromChrono(kDrainDeadline));
  http_api.reset();
  ledger->reset();  // closes the ledger: everything acknowledged is synced
  node->reset();    // closes the partitions' ledgers
  std::cerr << "ledgerd: drained, ledger closed" << std::endl;
  return 0;
}

int Main(int argc, char** argv) {
  absl::StatusOr<ServerFlags> flags = ParseFlags(argc, argv);
  if (!flags.ok()) {
    std::cerr << "ledgerd: " << flags.status().message() << "\n\n" << kUsage;
    return 2;
  }
  if (flags->help) { std::cout << kUsage; return 0; }
  if (flags->version) {
    std::cout << "ledgerd " << LEDGERD_VERSION << std::endl;
    return 0;
  }
  if (!flags->tokens_file.has_value() && !IsLoopbackOrUnix(flags->listen)) {
    return Fail(2, "refusing to listen on " + flags->listen +
                       " without --tokens: every caller would be admin. "
                       "Give --tokens FILE, or listen on 127.0.0.1, [::1], "
                       "localhost or unix:PATH");
  }
  if (!flags->tokens_file.has_value() && flags->http.has_value() &&
      !IsLoopbackOrUnix(*flags->http)) {
    return Fail(2, "refusing to serve HTTP on " + *flags->http +
                       " without --tokens: every caller would be admin. "
                       "Give --tokens FILE, or serve on 127.0.0.1, [::1] or "
                       "localhost");
  }
  TokenTable tokens = TokenTable::AllowAll();
  if (flags->tokens_file.has_value()) {
    absl::StatusOr<TokenTable> loaded = TokenTable::Load(*flags->tokens_file);
    if (!loaded.ok()) return Fail(2, std::string(loaded.status().message()));
    tokens = *std::move(loaded);
  }
  std::vector<WebhookEndpoint> webhooks;
  if (flags->webhooks.has_value()) {
    absl::StatusOr<std::vector<WebhookEndpoint>> loaded =
        LoadWebhooks(*flags->webhooks);
    if (!loaded.ok()) return Fail(2, std::string(loaded.status().message()));
    webhooks = *std::move(loaded);
    if (absl::Status s = InitHttpClient(); !s.ok()) {
      return Fail(1, std::string(s.message()));
    }
  }
  return Serve(*flags, tokens, std::move(webhooks));
}

}  // namespace
}  // namespace ledger::ledgerd

int main(int argc, char** argv) { return ledger::ledgerd::Main(argc, argv); }
