// service_bench: what gRPC costs over the library (docs/contract.md section 9),
// measured in one process on one synced ledger. ledgerd's own service
// (LedgerServiceImpl, StartServer) listens on 127.0.0.1 over TCP; the same
// ledger is also called in-process, so the two differ only by the RPC:
//   service/submit_batch_1000 vs inprocess/submit_batch_1000: one batch of
//     1000 `use` commands per iteration;
//   service/submit_concurrent vs inprocess/submit_concurrent, 64 threads:
//     each thread one Submit at a time (group commit merges them); over
//     gRPC each thread is a client with a connection of its own. The
//     commands_per_group counter is the mean group commit size meanwhile
//     (Options::on_group_committed);
//   service/submit_concurrent_async_clients: the same 64 clients driven by
//     gRPC's callback API instead of 64 blocking threads (the cheapest
//     client: the clients share this machine's cores with the server);
//   service_vs_inprocess/submit_concurrent_interleaved: rounds of 64
//     in-process threads and of those 64 asynchronous clients, alternating;
//     the counters are each one's median rate and their ratio;
//   service/submit_latency vs inprocess/submit_latency: one Submit at a
//     time on an otherwise idle server; p50_us and p99_us counters.
// Run by `make bench` (into build/bench-service.json), not by `make test`.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "bench/bench_fixtures.h"
#include "bench/service/async_submit_clients.h"
#include "benchmark/benchmark.h"
#include "ledger/v1/service.grpc.pb.h"
#include "tools/ledgerd/metrics.h"
#include "tools/ledgerd/server.h"
#include "tools/ledgerd/service_impl.h"
#include "tools/ledgerd/tokens.h"

namespace ledger::bench {
namespace {

// Customers of the ledger, each with one large purchase.
constexpr uint64_t kCustomers = 1000;

// One ledger, served by one in-process ledgerd, built on first use.
class Served {
 public:
  static Served& Get() {
    static Served* served = new Served();  // lives until exit, like a server
    return *served;
  }
  Ledger& ledger() { return *ledger_; }
  v1::LedgerService::Stub& stub() { return *stub_; }
  // A stub on a connection of its own, like a client process of its own
  // (a local subchannel pool: gRPC shares connections between channels of
  // equal arguments otherwise).
  std::unique_ptr<v1::LedgerService::Stub> NewClient() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
        address_, grpc::InsecureChannelCredentials(), args);
    // Connected before the timing starts, as a long-lived client is.
    channel->WaitForConnected(std::chrono::system_clock::now() +
                              std::chrono::seconds(30));
    return v1::LedgerService::NewStub(channel);
  }
  // The group commits since the ledger was opened.
  const GroupCommitCounter& groups() const { return groups_; }
  v1::Command NextUse(std::mt19937_64& rng) {
    return UseCommand(rng() % kCustomers, next_.fetch_add(1));
  }

 private:
  Served() : tokens_(ledgerd::TokenTable::AllowAll()) {
    Options options;
    groups_.CountIn(options);
    absl::StatusOr<std::unique_ptr<Ledger>> opened =
        Ledger::Open(options, NewDir("served"));
    CheckOrDie(opened.status(), "opening the served ledger");
    ledger_ = *std::move(opened);
    std::vector<v1::Command> purchases;
    for (uint64_t c = 0; c < kCustomers; ++c) purchases.push_back(PurchaseCommand(c));
    SubmitAllOrDie(*ledger_, purchases, 1000);
    service_ = std::make_unique<ledgerd::LedgerServiceImpl>(
        ledger_.get(), &tokens_, &metrics_, ledgerd::kDefaultMaxInFlight);
    ledgerd::ServerFlags flags;
    flags.listen = "127.0.0.1:0";
    absl::StatusOr<ledgerd::RunningServer> running =
        ledgerd::StartServer(flags, service_.get());
    CheckOrDie(running.status(), "starting the server");
    server_ = std::move(running->server);
    address_ = running->listening_on;
    stub_ = v1::LedgerService::NewStub(grpc::CreateChannel(
        running->listening_on, grpc::InsecureChannelCredentials()));
  }

  ledgerd::TokenTable tokens_;
  ledgerd::Metrics metrics_;
  // Before the ledger, which reports to it until it is closed.
  GroupCommitCounter groups_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<ledgerd::LedgerServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::LedgerService::Stub> stub_;
  std::string address_;
  std::atomic<uint64_t> next_{0};
};

bool SubmitOverGrpc(const v1::Command& command,
                    v1::LedgerService::Stub& stub = Served::Get().stub()) {
  grpc::ClientContext context;
  v1::SubmitRequest request;
  *request.mutable_command() = command;
  v1::SubmitResponse response;
  grpc::Status s = stub.Submit(&context, request, &response);
  return s.ok() && response.result().status() == v1::Result::ACCEPTED;
}

bool SubmitInProcess(const v1::Command& command) {
  absl::StatusOr<SubmitResult> r = Served::Get().ledger().Submit(command);
  return r.ok() && r->outcome == Outcome::kAccepted;
}

template <bool kOverGrpc>
void BM_SubmitBatch1000(benchmark::State& state) {
  Served& served = Served::Get();
  std::mt19937_64 rng(1);
  v1::SubmitBatchRequest request;
  std::vector<v1::Command> batch;
  for (auto _ : state) {
    state.PauseTiming();
    request.clear_commands();
    batch.clear();
    for (int i = 0; i < 1000; ++i) batch.push_back(served.NextUse(rng));
    for (const v1::Command& c : batch) *request.add_commands() = c;
    state.ResumeTiming();
    size_t accepted = 0;
    if (kOverGrpc) {
      grpc::ClientContext context;
      v1::SubmitBatchResponse response;
      if (served.stub().SubmitBatch(&context, request, &response).ok()) {
        for (const v1::Result& r : response.results()) {
          accepted += r.status() == v1::Result::ACCEPTED;
        }
      }
    } else {
      accepted = CountAccepted(served.ledger().SubmitBatch(batch));
    }
    if (accepted != 1000) {
      state.SkipWithError("a use was not accepted");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}

template <bool kOverGrpc>
void BM_SubmitConcurrent(benchmark::State& state) {
  Served& served = Served::Get();
  std::mt19937_64 rng(1000 + state.thread_index());
  // Each thread is one client with its own connection.
  std::unique_ptr<v1::LedgerService::Stub> client;
  if (kOverGrpc) client = served.NewClient();
  // Thread 0 counts the groups committed while the threads ran: how many
  // of the 64 Submits each group commit (and sync) took in.
  GroupCommitCounter::Totals before;
  if (state.thread_index() == 0) before = served.groups().Read();
  for (auto _ : state) {
    v1::Command use = served.NextUse(rng);
    if (!(kOverGrpc ? SubmitOverGrpc(use, *client) : SubmitInProcess(use))) {
      state.SkipWithError("a use was not accepted");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    // Only thread 0 sets it; the threads' counters are summed.
    state.counters["commands_per_group"] =
        GroupCommitCounter::Between(before, served.groups().Read()).commands;
  }
}

// 64 clients, each with a connection of its own and one Submit in flight at
// a time, like BM_SubmitConcurrent, but driven by gRPC's callback API on
// gRPC's own few threads instead of 64 blocking threads: each answer's
// callback sends that client's next Submit. The clients share this
// machine's cores with the server, so what a client costs is taken from the
// server; this is the cheapest client gRPC offers, the closest this
// machine comes to clients on other machines.
AsyncSubmitClients NewAsyncClients(int clients, int submits_each) {
  std::vector<std::unique_ptr<v1::LedgerService::Stub>> stubs;
  for (int i = 0; i < clients; ++i) stubs.push_back(Served::Get().NewClient());
  return AsyncSubmitClients(
      std::move(stubs), submits_each,
      [](std::mt19937_64& rng) { return Served::Get().NextUse(rng); });
}

void BM_SubmitConcurrentAsyncClients(benchmark::State& state) {
  constexpr int kClients = 64;
  constexpr int kSubmitsEach = 20;
  Served& served = Served::Get();
  AsyncSubmitClients clients = NewAsyncClients(kClients, kSubmitsEach);
  const GroupCommitCounter::Totals before = served.groups().Read();
  for (auto _ : state) {
    if (!clients.Run()) {
      state.SkipWithError("a use was not accepted");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kClients * kSubmitsEach);
  state.counters["commands_per_group"] =
      GroupCommitCounter::Between(before, served.groups().Read()).commands;
}

// The target's comparison, made robust to the disk: a sync's time on this
// VM swings by 2x from one second to the next, so two benchmarks run one
// after the other compare the disk's moods as much as the RPC. Here rounds
// of 64 in-process threads and of the 64 asynchronous gRPC clients
// alternate, 64 x 20 Submits each, and the counters are the median rate of
// each and their ratio (`ratio`, the target's figure).
void BM_SubmitConcurrentInterleaved(benchmark::State& state) {
  constexpr int kClients = 64;
  constexpr int kSubmitsEach = 20;
  constexpr int kRounds = 7;
  Served& served = Served::Get();
  AsyncSubmitClients clients = NewAsyncClients(kClients, kSubmitsEach);
  auto in_process_round = [&served](int round) {
    absl::Notification go;
    std::atomic<bool> failed{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kClients; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 rng(100000 * (round + 1) + t);
        go.WaitForNotification();
        for (int i = 0; i < kSubmitsEach; ++i) {
          if (!SubmitInProcess(served.NextUse(rng))) failed = true;
        }
      });
    }
    const double start = NowSeconds();
    go.Notify();
    for (std::thread& t : threads) t.join();
    const double seconds = NowSeconds() - start;
    return failed ? -1.0 : kClients * kSubmitsEach / seconds;
  };
  std::vector<double> in_process, over_grpc;
  for (auto _ : state) {
    for (int round = 0; round < kRounds; ++round) {
      double local = in_process_round(round);
      const double start = NowSeconds();
      const bool ok = clients.Run();
      const double remote = kClients * kSubmitsEach / (NowSeconds() - start);
      if (local < 0 || !ok) {
        state.SkipWithError("a use was not accepted");
        return;
      }
      in_process.push_back(local);
      over_grpc.push_back(remote);
    }
  }
  const double local = Percentile(in_process, 0.5);
  const double remote = Percentile(over_grpc, 0.5);
  state.counters["inprocess_per_s"] = local;
  state.counters["grpc_per_s"] = remote;
  state.counters["ratio"] = remote / local;
  state.counters["rounds"] = static_cast<double>(in_process.size());
}

template <bool kOverGrpc>
void BM_SubmitLatency(benchmark::State& state) {
  Served& served = Served::Get();
  std::mt19937_64 rng(7);
  std::vector<double> micros;
  for (auto _ : state) {
    v1::Command use = served.NextUse(rng);
    double start = NowSeconds();
    if (!(kOverGrpc ? SubmitOverGrpc(use) : SubmitInProcess(use))) {
      state.SkipWithError("a use was not accepted");
      break;
    }
    micros.push_back((NowSeconds() - start) * 1e6);
  }
  if (micros.empty()) return;
  state.counters["p50_us"] = Percentile(micros, 0.50);
  state.counters["p99_us"] = Percentile(micros, 0.99);
}

void Register() {
  benchmark::RegisterBenchmark("service/submit_batch_1000", BM_SubmitBatch1000<true>)
      ->UseRealTime()->Iterations(30);
  benchmark::RegisterBenchmark("inprocess/submit_batch_1000", BM_SubmitBatch1000<false>)
      ->UseRealTime()->Iterations(30);
  benchmark::RegisterBenchmark("service/submit_concurrent", BM_SubmitConcurrent<true>)
      ->Threads(64)->UseRealTime()->Iterations(40);
  benchmark::RegisterBenchmark("inprocess/submit_concurrent", BM_SubmitConcurrent<false>)
      ->Threads(64)->UseRealTime()->Iterations(40);
  benchmark::RegisterBenchmark("service/submit_concurrent_async_clients",
                               BM_SubmitConcurrentAsyncClients)
      ->UseRealTime()->Iterations(3);
  benchmark::RegisterBenchmark("service_vs_inprocess/submit_concurrent_interleaved",
                               BM_SubmitConcurrentInterleaved)
      ->UseRealTime()->Iterations(1);
  benchmark::RegisterBenchmark("service/submit_latency", BM_SubmitLatency<true>)
      ->UseRealTime()->Iterations(300);
  benchmark::RegisterBenchmark("inprocess/submit_latency", BM_SubmitLatency<false>)
      ->UseRealTime()->Iterations(300);
}

}  // namespace
}  // namespace ledger::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ledger::bench::Register();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // The served ledger stays open: the process ends here, like a kill -9,
  // which the ledger survives; the scratch folder is removed.
  ledger::bench::RemoveScratch();
  return 0;
}
