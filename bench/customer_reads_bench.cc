// One customer's reads on a short and a long log (docs/benchmarks.md, "One
// customer's reads"): the log is 2000 customers' purchases, then one-credit
// uses round-robin over them, with one more customer, "target", whose 500
// uses (at a minute apart) are spread evenly through it, so the measured
// customer has the same history on every log and only the log's length
// changes. Logs of 100 000 and 1 000 000 events (LEDGER_BENCH_CUSTOMER_READS
// _EVENTS, comma-separated, changes them), built once each with sync off.
//   customer_reads/page/events:N       Ledger::ReadCustomerEvents, 100 events
//                                      from the middle of target's history,
//                                      on the open ledger
//   customer_reads/as_of/events:N      Ledger::GetBalanceAsOf at the time of
//                                      target's 250th use (250 events folded)
//   customer_reads/page_cli/events:N   the reader side ledgerctl uses
//   customer_reads/as_of_cli/events:N  (ReadCustomerEvents, ReadBalanceAsOf on
//                                      the folder: opening the store included)
// LEDGER_BENCH_CUSTOMER_READS_DIR=D builds each log in D/events_N once and
// reuses it in later runs (the 10-million-event log takes minutes to build),
// so repeated runs and profiles measure the same files.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/bench_fixtures.h"
#include "benchmark/benchmark.h"
#include "ledger/customer_reads.h"
#include "ledger/time_util.h"
#include "tools/workload/command_builders.h"

namespace ledger::bench {
namespace {

constexpr uint64_t kCustomers = 2000;
constexpr uint64_t kTargetEvents = 500;
constexpr size_t kPage = 100;
const int64_t kTargetStartUs = kUseAtUs + 3600LL * 1000000;  // after every use

struct CustomerLog {
  std::string dir;
  std::unique_ptr<Ledger> ledger;
  uint64_t middle_seq = 0;  // target's 250th use
  int64_t middle_at_us = 0;
};

v1::Command TargetUse(uint64_t k) {
  return workload::Use({.key = absl::StrCat("t-", k),
                        .customer = "target",
                        .at = FormatTimeUs(kTargetStartUs + static_cast<int64_t>(k) * 60'000'000),
                        .usage_id = absl::StrCat("t", k),
                        .category = "AI_PROCESSING",
                        .credits = 1});
}

v1::Command TargetPurchase() {
  v1::Command c = PurchaseCommand(0);
  c.set_key("p-target");
  c.set_customer("target");
  return c;
}

// Where a log kept between runs lives, or "" when logs are not kept.
std::string KeptDir(uint64_t events) {
  const char* root = std::getenv("LEDGER_BENCH_CUSTOMER_READS_DIR");
  if (root == nullptr || *root == '\0') return "";
  return absl::StrCat(root, "/events_", events);
}

// A kept log's measured customer's middle use, written beside the ledger
// once it is complete: without it the folder is half-built and rebuilt.
std::string MarkerOf(const std::string& dir) { return dir + ".middle"; }

// The log of `events` events, built once per process (or once for good,
// with LEDGER_BENCH_CUSTOMER_READS_DIR).
CustomerLog& LogOf(uint64_t events) {
  static auto* logs = new std::map<uint64_t, CustomerLog>();
  CustomerLog& log = (*logs)[events];
  if (log.ledger != nullptr) return log;
  const std::string kept = KeptDir(events);
  if (!kept.empty()) {
    std::ifstream marker(MarkerOf(kept));
    if (marker >> log.middle_seq >> log.middle_at_us) {
      log.dir = kept;
      log.ledger = OpenLedgerOrDie(log.dir, /*sync=*/true);
      return log;
    }
    std::filesystem::remove_all(kept);
    std::filesystem::create_directories(std::filesystem::path(kept).parent_path());
  }
  log.dir = kept.empty() ? NewDir(absl::StrCat("customer_reads_", events)) : kept;
  std::unique_ptr<Ledger> building = OpenLedgerOrDie(log.dir, /*sync=*/false);
  std::vector<v1::Command> batch;
  const uint64_t every = events / kTargetEvents;
  uint64_t target = 0;
  uint64_t seq = 0;
  auto add = [&](v1::Command c) {
    batch.push_back(std::move(c));
    ++seq;
    if (batch.size() == 1000) {
      SubmitAllOrDie(*building, batch, 1000);
      batch.clear();
    }
  };
  add(TargetPurchase());
  for (uint64_t c = 0; c < kCustomers; ++c) add(PurchaseCommand(c));
  for (uint64_t n = 0; seq < events; ++n) {
    if (target < kTargetEvents && seq % every == 0) {
      if (target == kTargetEvents / 2) {
        log.middle_seq = seq + 1;
        log.middle_at_us = kTargetStartUs + static_cast<int64_t>(target) * 60'000'000;
      }
      add(TargetUse(target++));
      continue;
    }
    add(UseCommand(n % kCustomers, n));
  }
  SubmitAllOrDie(*building, batch, 1000);
  CheckOrDie(building->Close(), "closing the built log");
  building.reset();
  if (!kept.empty()) {
    std::ofstream(MarkerOf(kept)) << log.middle_seq << " " << log.middle_at_us << "\n";
  }
  log.ledger = OpenLedgerOrDie(log.dir, /*sync=*/true);
  return log;
}

std::vector<int64_t> Sizes() {
  std::vector<int64_t> out = {100'000, 1'000'000};
  if (const char* env = std::getenv("LEDGER_BENCH_CUSTOMER_READS_EVENTS")) {
    out.clear();
    for (absl::string_view part : absl::StrSplit(env, ',')) {
      int64_t n = 0;
      if (absl::SimpleAtoi(part, &n) && n >= 10'000) out.push_back(n);
    }
  }
  return out;
}

void Page(benchmark::State& state) {
  CustomerLog& log = LogOf(static_cast<uint64_t>(state.range(0)));
  for (auto _ : state) {
    auto page = log.ledger->ReadCustomerEvents("target", log.middle_seq, kPage);
    CheckOrDie(page.status(), "reading a page");
    if (page->events.size() != kPage) CheckOrDie(absl::InternalError("short page"), "page");
    benchmark::DoNotOptimize(page->events.back().seq);
  }
}

void AsOf(benchmark::State& state) {
  CustomerLog& log = LogOf(static_cast<uint64_t>(state.range(0)));
  for (auto _ : state) {
    auto balance = log.ledger->GetBalanceAsOf("target", log.middle_at_us);
    CheckOrDie(balance.status(), "a balance as of");
    benchmark::DoNotOptimize(balance->available);
  }
}

void PageCli(benchmark::State& state) {
  CustomerLog& log = LogOf(static_cast<uint64_t>(state.range(0)));
  for (auto _ : state) {
    auto page = ReadCustomerEvents(log.dir, "target", log.middle_seq, kPage);
    CheckOrDie(page.status(), "reading a page from the folder");
    benchmark::DoNotOptimize(page->events.size());
  }
}

void AsOfCli(benchmark::State& state) {
  CustomerLog& log = LogOf(static_cast<uint64_t>(state.range(0)));
  for (auto _ : state) {
    auto balance = ReadBalanceAsOf(log.dir, "target", log.middle_at_us);
    CheckOrDie(balance.status(), "a balance as of, from the folder");
    benchmark::DoNotOptimize(balance->available);
  }
}

void Apply(benchmark::internal::Benchmark* b) {
  for (int64_t n : Sizes()) b->Arg(n);
  b->ArgName("events")->Unit(benchmark::kMillisecond);
}

BENCHMARK(Page)->Name("customer_reads/page")->Apply(Apply);
BENCHMARK(AsOf)->Name("customer_reads/as_of")->Apply(Apply);
BENCHMARK(PageCli)->Name("customer_reads/page_cli")->Apply(Apply);
BENCHMARK(AsOfCli)->Name("customer_reads/as_of_cli")->Apply(Apply);

}  // namespace
}  // namespace ledger::bench
