// service_clients: 64 single-Submit clients in a process of their own, so
// that they can be pinned to one core and ledgerd to the other
// (bench/service/separate_process.sh, docs/benchmarks.md, "The service with
// its clients in another process"), and the same load in-process for the
// comparison:
//   service_clients grpc ADDRESS [CLIENTS] [SUBMITS_EACH] [ROUNDS]
//     CLIENTS (default 64) gRPC clients, each with a connection of its own
//     and one Submit in flight at a time, driven by gRPC's callback API on
//     gRPC's own few threads (the cheapest client gRPC offers);
//   service_clients inprocess DIR [THREADS] [SUBMITS_EACH] [ROUNDS]
//     THREADS (default 64) threads calling Ledger::Submit on a ledger opened
//     in DIR, each one Submit at a time.
// Both first make sure the 1 000 customers the uses draw on have their
// purchase (duplicates when they already do), run one warm-up round, then
// ROUNDS (default 5) rounds of SUBMITS_EACH (default 50) Submits per client,
// printing each round's rate and, last, `median_per_s N`. Keys are unique
// across runs (a base taken from the clock), so every use is a new command.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "bench/bench_fixtures.h"
#include "bench/service/async_submit_clients.h"
#include "ledger/ledger.h"
#include "ledger/v1/service.grpc.pb.h"

namespace ledger::bench {
namespace {

constexpr uint64_t kCustomers = 1000;

std::atomic<uint64_t> next_use{0};

v1::Command NextUse(std::mt19937_64& rng) {
  return UseCommand(rng() % kCustomers, next_use.fetch_add(1));
}

int Arg(int argc, char** argv, int i, int fallback) {
  return argc > i ? std::atoi(argv[i]) : fallback;
}

// CLIENTS callback clients, each on a connection of its own (as a client
// process of its own has), connected within 30 s or the process exits.
AsyncSubmitClients ConnectedClients(const std::string& address, int clients,
                                    int submits_each) {
  std::vector<std::unique_ptr<v1::LedgerService::Stub>> stubs;
  for (int i = 0; i < clients; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel = grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                   std::chrono::seconds(30))) {
      std::fprintf(stderr, "service_clients: cannot connect to %s\n",
                   address.c_str());
      std::exit(1);
    }
    stubs.push_back(v1::LedgerService::NewStub(channel));
  }
  return AsyncSubmitClients(std::move(stubs), submits_each, NextUse);
}

// Rounds of `round` (which returns false on a failure), timed; prints each
// and the median. Returns the process's exit status.
template <typename Round>
int Measure(const char* what, int clients, int submits_each, int rounds, Round round) {
  if (!round()) return 1;  // warm-up: connections, caches, threads
  std::vector<double> rates;
  for (int r = 0; r < rounds; ++r) {
    const double start = NowSeconds();
    if (!round()) return 1;
    rates.push_back(clients * submits_each / (NowSeconds() - start));
    std::printf("%s round %d: %.0f commands/s\n", what, r + 1, rates.back());
  }
  std::printf("median_per_s %.0f\n", Percentile(rates, 0.5));
  return 0;
}

int OverGrpc(const std::string& address, int clients, int submits_each, int rounds) {
  AsyncSubmitClients driver = ConnectedClients(address, clients, submits_each);
  grpc::ClientContext context;
  v1::SubmitBatchRequest seed;
  for (uint64_t c = 0; c < kCustomers; ++c) *seed.add_commands() = PurchaseCommand(c);
  v1::SubmitBatchResponse seeded;
  grpc::Status s = driver.any_stub().SubmitBatch(&context, seed, &seeded);
  if (!s.ok()) {
    std::fprintf(stderr, "service_clients: seeding: %s\n", s.error_message().c_str());
    return 1;
  }
  return Measure("grpc", clients, submits_each, rounds, [&] { return driver.Run(); });
}

int InProcess(const std::string& dir, int threads, int submits_each, int rounds) {
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(Options(), dir);
  CheckOrDie(ledger.status(), "opening " + dir);
  std::vector<v1::Command> seed;
  for (uint64_t c = 0; c < kCustomers; ++c) seed.push_back(PurchaseCommand(c));
  CheckOrDie((*ledger)->SubmitBatch(seed).status(), "seeding");
  int round_number = 0;
  auto round = [&] {
    ++round_number;
    absl::Notification go;
    std::atomic<bool> failed{false};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        std::mt19937_64 rng(100000 * round_number + t);
        go.WaitForNotification();
        for (int i = 0; i < submits_each; ++i) {
          absl::StatusOr<SubmitResult> r = (*ledger)->Submit(NextUse(rng));
          if (!r.ok() || r->outcome != Outcome::kAccepted) failed = true;
        }
      });
    }
    go.Notify();
    for (std::thread& w : workers) w.join();
    return !failed.load();
  };
  return Measure("inprocess", threads, submits_each, rounds, round);
}

}  // namespace
}  // namespace ledger::bench

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: service_clients grpc ADDRESS [CLIENTS] [SUBMITS_EACH] [ROUNDS]\n"
                 "       service_clients inprocess DIR [THREADS] [SUBMITS_EACH] [ROUNDS]\n");
    return 2;
  }
  // Unique keys across runs against the same ledger.
  ledger::bench::next_use = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch()).count()) * 100;
  const std::string what = argv[1];
  const int clients = ledger::bench::Arg(argc, argv, 3, 64);
  const int each = ledger::bench::Arg(argc, argv, 4, 50);
  const int rounds = ledger::bench::Arg(argc, argv, 5, 5);
  if (what == "grpc") return ledger::bench::OverGrpc(argv[2], clients, each, rounds);
  if (what == "inprocess") return ledger::bench::InProcess(argv[2], clients, each, rounds);
  std::fprintf(stderr, "service_clients: grpc or inprocess, not %s\n", what.c_str());
  return 2;
}
