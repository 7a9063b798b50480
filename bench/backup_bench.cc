// Ledger::Backup beside a live writer (docs/operations.md, "Backup"), on a
// ledger of LEDGER_BENCH_BACKUP_EVENTS events (default 1 000 000; the
// target is stated for the 10 000 000 of the scale log), built once per
// process like the scale log (SubmitBatch(1000), sync off, then reopened
// with sync on):
//   backup/beside_writer: one writer thread submits synced SubmitBatch(100)
//     of `use` commands all along. Each iteration measures the writer's
//     rate for a quiet window, then takes one backup into a new folder on
//     the same file system and measures the writer's rate while it runs;
//     the counters give the backup's seconds and both rates from the same
//     run, and their ratio (`during_over_without`, target >= 0.8), so the
//     machine's load weighs on both alike. The copy is removed after each
//     iteration.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_fixtures.h"
#include "benchmark/benchmark.h"

namespace ledger::bench {
namespace {

constexpr size_t kWriterBatch = 100;
constexpr double kQuietWindowSeconds = 2.0;

uint64_t BackupEvents() {
  const char* v = std::getenv("LEDGER_BENCH_BACKUP_EVENTS");
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10)
                                    : 1'000'000;
}

// The ledger and its writer, kept for every iteration.
class LiveLedger {
 public:
  static LiveLedger& Get() {
    if (instance_ == nullptr) instance_ = new LiveLedger();
    return *instance_;
  }
  // Stops the writer and closes the ledger, when a benchmark built it.
  static void Close() {
    if (instance_ != nullptr) instance_->Stop();
  }

  Ledger& ledger() { return *ledger_; }
  uint64_t written() const { return written_.load(); }
  uint64_t events() const { return events_; }

 private:
  LiveLedger() {
    dir_ = NewDir("backup-ledger");
    const uint64_t customers = Config().hot_customers;
    events_ = BackupEvents();
    {
      std::unique_ptr<Ledger> build = OpenLedgerOrDie(dir_, /*sync=*/false);
      std::vector<v1::Command> commands;
      for (uint64_t c = 0; c < customers; ++c) {
        commands.push_back(PurchaseCommand(c));
      }
      SubmitAllOrDie(*build, commands, 1000);
      for (uint64_t n = customers; n < events_; n += 100'000) {
        commands.clear();
        for (uint64_t i = n; i < std::min(events_, n + 100'000); ++i) {
          commands.push_back(UseCommand(i % customers, i));
        }
        SubmitAllOrDie(*build, commands, 1000);
      }
      CheckOrDie(build->Close(), "closing the built ledger");
    }
    ledger_ = OpenLedgerOrDie(dir_, /*sync=*/true);
    next_ = events_;
    writer_ = std::thread([this] { Write(); });
  }

  void Write() {
    std::vector<v1::Command> batch;
    while (!stop_.load()) {
      batch.clear();
      for (size_t i = 0; i < kWriterBatch; ++i, ++next_) {
        batch.push_back(UseCommand(next_ % Config().hot_customers, next_));
      }
      written_ += CountAccepted(ledger_->SubmitBatch(batch));
    }
  }

  void Stop() {
    if (!writer_.joinable()) return;
    stop_.store(true);
    writer_.join();
    CheckOrDie(ledger_->Close(), "closing the ledger");
  }

  static LiveLedger* instance_;
  std::string dir_;
  uint64_t events_ = 0;
  uint64_t next_ = 0;
  std::unique_ptr<Ledger> ledger_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> written_{0};
  std::thread writer_;
};

LiveLedger* LiveLedger::instance_ = nullptr;

void BM_BackupBesideWriter(benchmark::State& state) {
  LiveLedger& live = LiveLedger::Get();
  const std::string root = NewDir("backups");
  double backup_s = 0, quiet_rate = 0, during_rate = 0;
  int n = 0;
  for (auto _ : state) {
    uint64_t before = live.written();
    double start = NowSeconds();
    std::this_thread::sleep_for(
        std::chrono::duration<double>(kQuietWindowSeconds));
    quiet_rate += (live.written() - before) / (NowSeconds() - start);

    const std::string to = absl::StrCat(root, "/copy", n);
    before = live.written();
    start = NowSeconds();
    absl::StatusOr<BackupInfo> info = live.ledger().Backup(to);
    const double took = NowSeconds() - start;
    CheckOrDie(info.status(), "backing up");
    // A backup shorter than a few groups says little about the writer's
    // rate: the window is at least half a second around it.
    while (NowSeconds() - start < 0.5) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    during_rate += (live.written() - before) / (NowSeconds() - start);
    backup_s += took;
    ++n;
    state.PauseTiming();
    std::filesystem::remove_all(to);
    state.ResumeTiming();
  }
  state.counters["events_in_log"] = static_cast<double>(live.events());
  state.counters["backup_s"] = backup_s / n;
  state.counters["writes_per_s_without"] = quiet_rate / n;
  state.counters["writes_per_s_during"] = during_rate / n;
  state.counters["during_over_without"] =
      quiet_rate > 0 ? during_rate / quiet_rate : 0;
}

}  // namespace

void RegisterBackupBenchmarks() {
  benchmark::RegisterBenchmark("backup/beside_writer", BM_BackupBesideWriter)
      ->Iterations(3)
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
}

void CloseBackupFixtures() { LiveLedger::Close(); }

}  // namespace ledger::bench
