// cluster_load: drives ledgerd nodes (a cluster, or one plain ledgerd) with
// concurrent one-command Submits for a fixed time and prints one JSON line:
//   {"commands":N,"seconds":S,"commands_per_s":R,"p50_us":..,"p99_us":..,
//    "errors":E}
// Thread t talks to node t % nodes, so load is spread over every node.
// Each thread first buys credits for its customers, then spends them one
// credit at a time, so the workload is writes that the ledger accepts.
//   cluster_load --targets HOST:PORT[,HOST:PORT...] --threads 64 --seconds 10
// Run by bench/cluster/cluster_bench.py (make bench), never by make test.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/v1/service.grpc.pb.h"
#include "tools/workload/command_builders.h"

namespace {

using Clock = std::chrono::steady_clock;

// Customers per thread: enough to spread over 4 partitions.
constexpr int kCustomersPerThread = 8;

struct Totals {
  std::atomic<uint64_t> commands{0};
  std::atomic<uint64_t> errors{0};
};

void Run(const std::string& target, int thread, Clock::time_point end,
         Totals* totals, std::vector<int64_t>* latencies_us) {
  auto stub = ledger::v1::LedgerService::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  const std::string run = std::to_string(Clock::now().time_since_epoch().count());
  auto submit = [&](const ledger::v1::Command& command) {
    ledger::v1::SubmitRequest request;
    *request.mutable_command() = command;
    ledger::v1::SubmitResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto start = Clock::now();
    grpc::Status s = stub->Submit(&context, request, &response);
    if (!s.ok()) { totals->errors.fetch_add(1); return; }
    latencies_us->push_back(std::chrono::duration_cast<std::chrono::microseconds>(
        Clock::now() - start).count());
    totals->commands.fetch_add(1);
  };
  auto customer = [&](int c) { return absl::StrCat("t", thread, "-", run, "-", c); };
  for (int c = 0; c < kCustomersPerThread; ++c) {
    submit(ledger::workload::Purchase(
        {.key = absl::StrCat(customer(c), "-buy"), .customer = customer(c),
         .at = "2026-03-08T10:00:00Z", .purchase_id = "p1",
         .credits = 1000000000}));
  }
  for (uint64_t i = 0; Clock::now() < end; ++i) {
    const int c = static_cast<int>(i % kCustomersPerThread);
    submit(ledger::workload::Use(
        {.key = absl::StrCat(customer(c), "-use", i), .customer = customer(c),
         .at = "2026-03-08T11:00:00Z", .usage_id = absl::StrCat("u", i),
         .credits = 1}));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> targets;
  int threads = 64;
  int seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--targets") targets = absl::StrSplit(value, ',', absl::SkipEmpty());
    else if (flag == "--threads" && absl::SimpleAtoi(value, &threads)) {}
    else if (flag == "--seconds" && absl::SimpleAtoi(value, &seconds)) {}
    else { std::fprintf(stderr, "cluster_load: bad flag %s\n", flag.c_str()); return 2; }
  }
  if (targets.empty() || threads < 1 || seconds < 1) {
    std::fprintf(stderr, "usage: cluster_load --targets A[,B...] [--threads N] [--seconds S]\n");
    return 2;
  }
  Totals totals;
  std::vector<std::vector<int64_t>> latencies(threads);
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back(Run, targets[t % targets.size()], t, end, &totals,
                         &latencies[t]);
  }
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<int64_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double q) {
    return all.empty() ? 0 : all[std::min(all.size() - 1, static_cast<size_t>(q * all.size()))];
  };
  std::printf("{\"commands\":%llu,\"seconds\":%.3f,\"commands_per_s\":%.1f,"
              "\"p50_us\":%lld,\"p99_us\":%lld,\"errors\":%llu}\n",
              static_cast<unsigned long long>(totals.commands.load()), elapsed,
              totals.commands.load() / elapsed, static_cast<long long>(pct(0.5)),
              static_cast<long long>(pct(0.99)),
              static_cast<unsigned long long>(totals.errors.load()));
  return 0;
}
