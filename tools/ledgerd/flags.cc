#include "tools/ledgerd/flags.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tools/edge/byte_size.h"
#include "tools/edge/future_guard.h"
#include "tools/edge/past_guard.h"
#include "tools/edge/retention.h"

namespace ledger::ledgerd {

const std::string_view kUsage =
    "usage: ledgerd --db DIR --listen ADDR [--tokens FILE]\n"
    "               [--tls-cert FILE --tls-key FILE] [--metrics ADDR]\n"
    "               [--max-in-flight N] [--grpc-nice N]\n"
    "               [--max-future DURATION|off]\n"
    "               [--max-past DURATION|off] [--min-free-disk SIZE]\n"
    "               [--webhooks FILE] [--http ADDR]\n"
    "               [--rejection-retention DAYS|DURATION|off]\n"
    "               [--nats URL[,URL...] --partitions P --node NAME\n"
    "                [--host-partitions LIST] [--replicas N]\n"
    "                [--stream-max-age DURATION] [--stream-max-msgs N]]\n"
    "       ledgerd --version\n"
    "\n"
    "Serves the ledger in DIR over gRPC (ledger.v1.LedgerService,\n"
    "docs/contract.md section 9), with grpc.health.v1.Health and server\n"
    "reflection. Prints\n"
    "`listening on HOST:PORT` once it listens. SIGTERM or SIGINT drain it.\n"
    "\n"
    "  --db DIR           the ledger's folder (created when missing)\n"
    "  --listen ADDR      HOST:PORT (port 0 picks one) or unix:PATH\n"
    "  --tokens FILE      lines `ROLE SHA256HEX [NAME]`, ROLE reader, writer\n"
    "                     or admin; without it every caller is admin and\n"
    "                     ADDR must be loopback or unix:\n"
    "  --tls-cert FILE    PEM certificate chain (with --tls-key)\n"
    "  --tls-key FILE     PEM private key\n"
    "  --metrics ADDR     serve Prometheus text at http://ADDR/metrics\n"
    "  --http ADDR        also serve the JSON HTTP API (docs/http.md) on\n"
    "                     HOST:PORT (port 0 picks one), with the same\n"
    "                     tokens, TLS, bound and drain; prints `http on\n"
    "                     HOST:PORT` after `listening on`\n"
    "  --webhooks FILE    POST each accepted event, signed, to the endpoints\n"
    "                     of FILE, lines `NAME URL SECRET [KINDS]`\n"
    "                     (docs/webhooks.md); in a cluster, each partition\n"
    "                     by one node at a time (docs/cluster.md)\n"
    "  --max-in-flight N  RPCs served at once; more get RESOURCE_EXHAUSTED\n"
    "                     (default 256)\n"
    "  --grpc-nice N      run gRPC's server threads N nice levels below\n"
    "                     ledgerd's own (0..19, 0: the same), so that they\n"
    "                     do not preempt the thread answering a batch;\n"
    "                     default 10 (docs/service.md, \"Threads\")\n"
    "  --max-future DURATION  refuse (REJECTED, INVALID_COMMAND) a command\n"
    "                     whose `at` is more than DURATION (e.g. 24h) ahead\n"
    "                     of this machine's clock, before the ledger sees it\n"
    "                     (docs/edge-guards.md); default 24h, off removes it\n"
    "  --max-past DURATION  refuse (REJECTED, INVALID_COMMAND) a command whose\n"
    "                     `at` is more than DURATION (e.g. 1h) before this\n"
    "                     machine's clock, before the ledger sees it\n"
    "                     (docs/edge-guards.md); default off\n"
    "  --min-free-disk SIZE  refuse writes (UNAVAILABLE) while the ledger's\n"
    "                     disk has less free space than SIZE (e.g. 512MiB,\n"
    "                     2GiB; 0: only once it is full); reads go on, and\n"
    "                     writes come back by themselves once there is room\n"
    "                     (docs/operations.md); default 256MiB\n"
    "  --rejection-retention R  how long the refusal journal keeps a\n"
    "                     rejected command (docs/audit.md): 90d, 2160h, or\n"
    "                     off for none; default 90d (in cluster mode, each\n"
    "                     partition's ledger on this node)\n"
    "  --nats URLS        cluster mode (docs/cluster.md): NATS JetStream servers\n"
    "                     holding the replicated log; DIR holds p<N> folders\n"
    "  --partitions P     partitions of the cluster (same on every node)\n"
    "  --node NAME        this node's name (letters, digits, - and _)\n"
    "  --host-partitions LIST  partitions hosted here, e.g. 0-3,8 (default:\n"
    "                     all); others are forwarded to a hosting node\n"
    "  --replicas N       copies of each partition's stream (default 3)\n"
    "  --stream-max-age DURATION  drop stream messages older than DURATION\n"
    "                     (e.g. 168h; 0: keep them); --stream-max-msgs N\n"
    "                     keeps the last N messages per partition (0: all).\n"
    "                     Unset: a stream keeps its retention (by default\n"
    "                     everything); set, it updates an existing stream.\n"
    "                     A replica behind it must be seeded from a backup\n"
    "                     (docs/cluster.md, \"Stream retention\")\n"
    "\n"
    "Exit status: 0 after a drain, 1 when the ledger or the listener fails,\n"
    "2 on bad usage.\n";

namespace {

// Flags that take a value, and where each value goes.
std::optional<std::string>* ValueSlot(ServerFlags& f, std::string_view name) {
  if (name == "--tokens") return &f.tokens_file;
  if (name == "--tls-cert") return &f.tls_cert;
  if (name == "--tls-key") return &f.tls_key;
  if (name == "--metrics") return &f.metrics;
  if (name == "--webhooks") return &f.webhooks;
  if (name == "--http") return &f.http;
  if (name == "--host-partitions") return &f.host_partitions;
  return nullptr;
}

absl::Status CheckComplete(const ServerFlags& f) {
  if (f.db.empty()) return absl::InvalidArgumentError("--db DIR is required");
  if (f.listen.empty()) {
    return absl::InvalidArgumentError("--listen ADDR is required");
  }
  if (f.tls_cert.has_value() != f.tls_key.has_value()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key go together: give both or neither");
  }
  if (f.nats.empty() &&
      (f.stream_max_age.has_value() || f.stream_max_msgs.has_value())) {
    return absl::InvalidArgumentError(
        "--stream-max-age and --stream-max-msgs bound a cluster's streams: "
        "they need cluster mode (--nats)");
  }
  if (!f.nats.empty() || f.partitions != 0 || !f.node.empty() ||
      f.host_partitions.has_value()) {
    if (f.nats.empty() || f.partitions < 1 || f.partitions > 256 ||
        f.node.empty()) {
      return absl::InvalidArgumentError(
          "cluster mode needs --nats URLS, --partitions P (1..256) and --node NAME");
    }
    for (char c : f.node) {
      if (!absl::ascii_isalnum(c) && c != '-' && c != '_') {
        return absl::InvalidArgumentError(
            "--node NAME: letters, digits, - and _ only");
      }
    }
    if (f.replicas < 1 || f.replicas > 5) {
      return absl::InvalidArgumentError("--replicas must be 1..5");
    }
  }
  if (f.max_in_flight < 1) {
    return absl::InvalidArgumentError("--max-in-flight must be at least 1");
  }
  if (f.grpc_nice < 0 || f.grpc_nice > 19) {
    return absl::InvalidArgumentError("--grpc-nice must be 0..19");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServerFlags> ParseFlags(int argc, char** argv) {
  ServerFlags f;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--version") { f.version = true; continue; }
    if (arg == "--help" || arg == "-h") { f.help = true; continue; }
    if (i + 1 >= argc) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag or missing value: ", arg));
    }
    std::string value = argv[++i];
    if (arg == "--db") {
      f.db = value;
    } else if (arg == "--listen") {
      f.listen = value;
    } else if (arg == "--nats") {
      f.nats = value;
    } else if (arg == "--node") {
      f.node = value;
    } else if (arg == "--partitions" || arg == "--replicas") {
      if (!absl::SimpleAtoi(value, arg == "--partitions" ? &f.partitions
                                                         : &f.replicas)) {
        return absl::InvalidArgumentError(
            absl::StrCat(arg, " takes a number, got ", value));
      }
    } else if (arg == "--stream-max-age") {
      absl::Duration age;
      if (!absl::ParseDuration(value, &age) || age < absl::ZeroDuration()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--stream-max-age takes a duration such as 168h or 30m, got ",
            value));
      }
      f.stream_max_age = age;
    } else if (arg == "--stream-max-msgs") {
      int64_t msgs = 0;
      if (!absl::SimpleAtoi(value, &msgs) || msgs < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--stream-max-msgs takes a whole number (0: no bound), got ",
            value));
      }
      f.stream_max_msgs = msgs;
    } else if (arg == "--max-in-flight") {
      if (!absl::SimpleAtoi(value, &f.max_in_flight)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--max-in-flight takes a number, got ", value));
      }
    } else if (arg == "--grpc-nice") {
      if (!absl::SimpleAtoi(value, &f.grpc_nice)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--grpc-nice takes a number, got ", value));
      }
    } else if (arg == "--max-future") {
      absl::StatusOr<std::optional<absl::Duration>> max_future =
          edge::ParseMaxFuture(value);
      if (!max_future.ok()) return max_future.status();
      f.max_future = *max_future;
      f.max_future_text = value;
    } else if (arg == "--rejection-retention") {
      absl::StatusOr<std::chrono::seconds> retention = edge::ParseRetention(value);
      if (!retention.ok()) return retention.status();
      f.rejection_retention = *retention;
    } else if (arg == "--max-past") {
      absl::StatusOr<std::optional<absl::Duration>> max_past =
          edge::ParseMaxPast(value);
      if (!max_past.ok()) return max_past.status();
      f.max_past = *max_past;
    } else if (arg == "--min-free-disk") {
      absl::StatusOr<uint64_t> bytes = edge::ParseByteSize(value);
      if (!bytes.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--min-free-disk: ", bytes.status().message()));
      }
      f.min_free_disk = *bytes;
    } else if (std::optional<std::string>* slot = ValueSlot(f, arg)) {
      *slot = value;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag: ", arg));
    }
  }
  if (f.version || f.help) return f;
  if (absl::Status s = CheckComplete(f); !s.ok()) return s;
  return f;
}

bool IsLoopbackOrUnix(std::string_view address_view) {
  absl::string_view address(address_view.data(), address_view.size());
  if (absl::StartsWith(address, "unix:")) return true;
  size_t colon = address.rfind(':');
  absl::string_view host =
      colon == absl::string_view::npos ? address : address.substr(0, colon);
  if (host == "localhost" || host == "[::1]") return true;
  // 127.0.0.0/8, written as a dotted quad only: "127.example.com" is a name
  // anyone may own.
  if (!absl::StartsWith(host, "127.")) return false;
  for (char c : host) {
    if (c != '.' && (c < '0' || c > '9')) return false;
  }
  return true;
}

}  // namespace ledger::ledgerd
