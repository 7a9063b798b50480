#include "bench/bench_fixtures.h"

#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/workload/command_builders.h"

namespace ledger::bench {
namespace {

uint64_t EnvU64(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  unsigned long long parsed = std::strtoull(v, &end, 10);
  if (end == v || *end != '\0') {
    std::cerr << "ledger_bench: " << name << "='" << v
              << "' is not a whole number\n";
    std::exit(2);
  }
  return parsed;
}

BenchConfig ReadConfig() {
  BenchConfig c;
  c.replay_events = std::max<uint64_t>(
      1000, EnvU64("LEDGER_BENCH_REPLAY_EVENTS", c.replay_events));
  c.customers = std::clamp<uint64_t>(
      EnvU64("LEDGER_BENCH_CUSTOMERS", c.customers), 1000, c.replay_events);
  c.hot_customers =
      std::max<uint64_t>(1, EnvU64("LEDGER_BENCH_HOT_CUSTOMERS", c.hot_customers));
  const char* dir = std::getenv("LEDGER_BENCH_DIR");
  if (dir == nullptr || *dir == '\0') dir = std::getenv("TMPDIR");
  c.root = (dir == nullptr || *dir == '\0') ? "/tmp" : dir;
  c.keep = EnvU64("LEDGER_BENCH_KEEP", 0) != 0;
  return c;
}

const std::string& ScratchDir() {
  static const std::string* dir = [] {
    std::filesystem::create_directories(Config().root);
    std::string pattern = Config().root + "/ledger-bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("ledger_bench: mkdtemp");
      std::exit(2);
    }
    return new std::string(pattern);
  }();
  return *dir;
}

int64_t StatusFieldKib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') {
      return std::strtoll(line.c_str() + n + 1, nullptr, 10);
    }
  }
  return -1;
}

}  // namespace

const BenchConfig& Config() {
  static const BenchConfig* config = new BenchConfig(ReadConfig());
  return *config;
}

std::string NewDir(std::string_view name) {
  std::string dir = absl::StrCat(ScratchDir(), "/", std::string(name));
  std::filesystem::remove_all(dir);
  return dir;
}

void RemoveScratch() {
  if (Config().keep) {
    std::cerr << "ledger_bench: kept " << ScratchDir() << "\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(ScratchDir(), ec);
}

std::string CustomerId(uint64_t index) {
  return absl::StrFormat("c%07d", index);
}

v1::Command PurchaseCommand(uint64_t customer_index) {
  return workload::Purchase({.key = absl::StrCat("p-", customer_index),
                             .customer = CustomerId(customer_index),
                             .at = "2026-03-08T09:00:00Z",
                             .purchase_id = "p1",
                             .credits = 1'000'000'000'000,
                             .amount_minor = 1'999'900,
                             .currency = "USD",
                             // a year on; no use reaches it
                             .expires_at = "2027-03-08T09:00:00Z"});
}

v1::Command UseCommand(uint64_t customer_index, uint64_t n) {
  return workload::Use({.key = absl::StrCat("u-", n),
                        .customer = CustomerId(customer_index),
                        .at = "2026-03-08T10:00:00Z",
                        .usage_id = absl::StrCat("u", n),
                        .category = "AI_PROCESSING",
                        .credits = 1 + static_cast<int64_t>(n % 7),
                        .provider = "TWILIO"});
}

void CheckOrDie(const absl::Status& status, std::string_view what) {
  if (status.ok()) return;
  std::cerr << "ledger_bench: " << what << ": " << status << "\n";
  std::exit(1);
}

size_t CountAccepted(const absl::StatusOr<std::vector<SubmitResult>>& results) {
  CheckOrDie(results.status(), "SubmitBatch");
  size_t accepted = 0;
  for (const SubmitResult& r : *results) {
    if (r.outcome == Outcome::kAccepted) ++accepted;
  }
  return accepted;
}

void SubmitAllOrDie(Ledger& ledger, std::span<const v1::Command> commands,
                    size_t batch) {
  for (size_t i = 0; i < commands.size(); i += batch) {
    std::span<const v1::Command> part =
        commands.subspan(i, std::min(batch, commands.size() - i));
    absl::StatusOr<std::vector<SubmitResult>> results = ledger.SubmitBatch(part);
    CheckOrDie(results.status(), "SubmitBatch");
    for (const SubmitResult& r : *results) {
      if (r.outcome != Outcome::kAccepted) {
        std::cerr << "ledger_bench: command " << r.key.value_or("?")
                  << " not accepted: " << v1::RejectionCode_Name(r.code) << " "
                  << r.message << "\n";
        std::exit(1);
      }
    }
  }
}

std::unique_ptr<Ledger> OpenLedgerOrDie(const std::string& dir, bool sync,
                                        size_t state_cache_customers) {
  Options options;
  options.sync = sync;
  options.state_cache_customers = state_cache_customers;
  return OpenLedgerOrDie(dir, options);
}

std::unique_ptr<Ledger> OpenLedgerOrDie(const std::string& dir,
                                        const Options& options) {
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(options, dir);
  CheckOrDie(ledger.status(), absl::StrCat("opening ledger ", dir));
  return std::move(*ledger);
}

void GroupCommitCounter::CountIn(Options& options) {
  options.on_group_committed = [this](const CommitStats& stats) {
    groups_.fetch_add(1, std::memory_order_relaxed);
    commands_.fetch_add(stats.commands, std::memory_order_relaxed);
    write_ns_.fetch_add(static_cast<uint64_t>(stats.write_duration.count()),
                        std::memory_order_relaxed);
  };
}

GroupCommitCounter::Totals GroupCommitCounter::Read() const {
  Totals totals;
  totals.groups = groups_.load(std::memory_order_relaxed);
  totals.commands = commands_.load(std::memory_order_relaxed);
  totals.write_ns = write_ns_.load(std::memory_order_relaxed);
  return totals;
}

GroupCommitCounter::PerGroup GroupCommitCounter::Between(const Totals& before,
                                                         const Totals& after) {
  PerGroup per;
  const double groups = static_cast<double>(after.groups - before.groups);
  if (groups == 0) return per;
  per.commands = static_cast<double>(after.commands - before.commands) / groups;
  per.write_us =
      static_cast<double>(after.write_ns - before.write_ns) / groups / 1000.0;
  return per;
}

rocksdb::Options LedgerLikeOptions() {
  rocksdb::Options options;
  options.paranoid_checks = true;
  options.IncreaseParallelism(2);
  return options;
}

rocksdb::ReadOptions ScanOptions() {
  rocksdb::ReadOptions read;
  read.verify_checksums = true;
  read.fill_cache = false;
  read.readahead_size = 4 << 20;
  return read;
}

std::unique_ptr<RawDb> RawDb::OpenOrDie(const std::string& dir,
                                        bool read_only) {
  rocksdb::Options options = LedgerLikeOptions();
  options.create_if_missing = !read_only;
  options.create_missing_column_families = !read_only;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name :
       {"default", "events", "keys", "state", "customer_events"}) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions(options));
  }
  std::unique_ptr<RawDb> raw(new RawDb());
  rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(options, dir, families,
                                               &raw->handles_, &raw->db_)
                : rocksdb::DB::Open(options, dir, families, &raw->handles_,
                                    &raw->db_);
  if (!s.ok()) {
    std::cerr << "ledger_bench: opening raw RocksDB " << dir << ": "
              << s.ToString() << "\n";
    std::exit(1);
  }
  return raw;
}

RawDb::~RawDb() {
  for (rocksdb::ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h);
  delete db_;
}

double CommandShape::BytesPerCommand() const {
  double sum = 0;
  for (const Put* p : {&event, &key, &header, &lot, &usage, &customer_event}) {
    sum += p->key_bytes + p->value_bytes;
  }
  return sum;
}

int64_t PeakRssKib() { return StatusFieldKib("VmHWM"); }
int64_t RssKib() { return StatusFieldKib("VmRSS"); }

uint64_t WalBytes(const std::string& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".log") bytes += entry.file_size(ec);
  }
  return bytes;
}

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(i, values.size() - 1)];
}

double NowSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace ledger::bench
