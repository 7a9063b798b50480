// What the benchmarks share: their configuration (environment variables),
// scratch folders, the commands they submit, raw RocksDB databases laid out
// like a ledger's, and process measurements (RSS, WAL bytes).
//
// Every fixture is built once per process and reused by every repetition and
// every iteration-count probe of Google Benchmark (it calls a benchmark
// function several times while it looks for the iteration count).
#ifndef CREDIT_LEDGER_BENCH_BENCH_FIXTURES_H_
#define CREDIT_LEDGER_BENCH_BENCH_FIXTURES_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/v1/command.pb.h"
#include "rocksdb/db.h"

namespace ledger::bench {

// Read once from the environment.
struct BenchConfig {
  // LEDGER_BENCH_REPLAY_EVENTS: events in the large log that replay, the raw
  // scan and the last cost-per-command point use. Default: 10'000'000.
  uint64_t replay_events = 10'000'000;
  // LEDGER_BENCH_CUSTOMERS: customers in the large log (balance latency and
  // peak memory are measured with this many). Default: 1'000'000; never more
  // than replay_events.
  uint64_t customers = 1'000'000;
  // LEDGER_BENCH_HOT_CUSTOMERS: customers of the small ledger that the
  // SubmitBatch and concurrent Submit benchmarks write to. Default: 10'000.
  uint64_t hot_customers = 10'000;
  // LEDGER_BENCH_DIR: where the scratch folder is made. Default: $TMPDIR or
  // /tmp. The folder is removed at exit unless LEDGER_BENCH_KEEP=1.
  std::string root;
  bool keep = false;
};
const BenchConfig& Config();

// A new, empty folder `name` in this process's scratch folder.
std::string NewDir(std::string_view name);
// Removes the scratch folder (unless LEDGER_BENCH_KEEP=1).
void RemoveScratch();

// Commands. Every purchase is large enough (10^12 credits, expiring a year
// after every `use`'s time) that
// the customer's uses are always accepted; all uses share one `at`.
std::string CustomerId(uint64_t index);  // "c0000042"
v1::Command PurchaseCommand(uint64_t customer_index);
// `n` must be unique in the ledger: it names the key and the usage id.
v1::Command UseCommand(uint64_t customer_index, uint64_t n);
inline constexpr int64_t kUseAtUs = 1772964000LL * 1000000;  // 2026-03-08T10:00Z

// Submits `commands` in SubmitBatch calls of `batch` and aborts the process
// with a message when the store fails or any command is not accepted (a
// benchmark over rejections would measure nothing useful).
void SubmitAllOrDie(Ledger& ledger, std::span<const v1::Command> commands,
                    size_t batch);
// Dies with `what` and the status when it is not OK.
void CheckOrDie(const absl::Status& status, std::string_view what);
// Counts accepted results; dies on a store failure.
size_t CountAccepted(const absl::StatusOr<std::vector<SubmitResult>>& results);

std::unique_ptr<Ledger> OpenLedgerOrDie(
    const std::string& dir, bool sync,
    size_t state_cache_customers = Options().state_cache_customers);
std::unique_ptr<Ledger> OpenLedgerOrDie(const std::string& dir,
                                        const Options& options);

// Counts a ledger's group commits (Options::on_group_committed), so that a
// benchmark of many callers says how many commands each group took in and
// how long each group's write and sync held the writer: with callers
// waiting on one another, those two figures, not the CPU, set the rate.
class GroupCommitCounter {
 public:
  struct Totals {
    uint64_t groups = 0;
    uint64_t commands = 0;
    uint64_t write_ns = 0;
  };
  // Means per group between two readings (0 when no group was written).
  struct PerGroup {
    double commands = 0;
    double write_us = 0;
  };

  // Has the ledger opened with `options` count into this counter, which
  // must outlive that ledger.
  void CountIn(Options& options);
  Totals Read() const;
  static PerGroup Between(const Totals& before, const Totals& after);

 private:
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> commands_{0};
  std::atomic<uint64_t> write_ns_{0};
};

// The RocksDB options a ledger's Store uses (ledger/storage/store.cc), so a raw
// database compares like for like.
rocksdb::Options LedgerLikeOptions();

// A raw RocksDB database with the ledger's column families that a `use`
// writes to: the four of the log and state, and the customer index.
class RawDb {
 public:
  static std::unique_ptr<RawDb> OpenOrDie(const std::string& dir,
                                          bool read_only);
  ~RawDb();
  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* meta() const { return handles_[0]; }
  rocksdb::ColumnFamilyHandle* events() const { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* keys() const { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* state() const { return handles_[3]; }
  rocksdb::ColumnFamilyHandle* customer_events() const { return handles_[4]; }

 private:
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

// The read options ledger/storage/store.cc scans with.
rocksdb::ReadOptions ScanOptions();

// What the ledger writes for one accepted `use`, measured from a real
// ledger run (bench/command_shape.cc): average key and value sizes of each
// put, and the WAL bytes per command.
struct CommandShape {
  struct Put {
    double key_bytes = 0;
    double value_bytes = 0;
  };
  Put event;   // events family: seq -> hash || event
  Put key;     // keys family: idempotency key -> KeyRecord
  Put header;  // state family: customer header
  Put lot;     // state family: the lot drawn from
  Put usage;   // state family: the new usage
  Put customer_event;  // customer_events family: (customer, seq) -> at
  Put head;    // default family: head, once per batch
  double wal_bytes_per_command = 0;  // at batch 1000, head included
  double BytesPerCommand() const;    // keys + values of the six puts
  static constexpr int kPutsPerCommand = 6;
};
const CommandShape& MeasuredUseShape();

// Process memory from /proc/self/status, in KiB (VmHWM, VmRSS).
int64_t PeakRssKib();
int64_t RssKib();
// Bytes in the folder's write-ahead-log files (*.log).
uint64_t WalBytes(const std::string& dir);
// The p-quantile (0..1) of `values`, which it sorts.
double Percentile(std::vector<double>& values, double p);
double NowSeconds();
// CPU seconds of the whole process so far (every thread).
double ProcessCpuSeconds();

// The benchmark groups, registered by bench_main.cc in the order they run.
void RegisterStorageBenchmarks();
void RegisterCpuBenchmarks();
void RegisterSubmitBenchmarks();
void RegisterScaleBenchmarks();
void RegisterJsonBenchmarks();  // json_bench.cc: the JSON path
void RegisterScopedBenchmarks();  // scoped_bench.cc: scoped lots on the write path
void RegisterBackupBenchmarks();  // backup_bench.cc: Ledger::Backup beside a writer
void RegisterAuditBenchmarks();  // audit_bench.cc: the audits' peak memory at N and 10 N
// Closes the cached ledgers and databases before the scratch folder goes.
void CloseStorageFixtures();
void CloseSubmitFixtures();
void CloseScaleFixtures();
void CloseBackupFixtures();
void CloseScopedFixtures();

// `ledger_bench --probe_rss=DIR`: opens the ledger in DIR, submits a batch
// of uses, queries balances, and prints one line "open_s=.. peak_rss_kib=..
// rss_kib=.. customers_queried=..". Run in a child process so its peak RSS
// is the ledger's alone.
int RunRssProbe(const std::string& dir, uint64_t customers);

}  // namespace ledger::bench

#endif  // CREDIT_LEDGER_BENCH_BENCH_FIXTURES_H_
