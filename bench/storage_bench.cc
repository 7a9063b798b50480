// The storage limit on this machine, measured in the same run as the ledger:
//   disk/fdatasync: appends of 1 KiB to a preallocated file, each followed by
//     fdatasync, the way RocksDB appends to and syncs its WAL: syncs per
//     second this disk allows;
//   raw/write_batch/N: raw RocksDB WriteBatch writes of N commands, synced
//     every batch, each command the same puts (families, key and value
//     sizes) as an accepted `use` of the ledger (bench/command_shape.cc:
//     the event, the key record, three state entities, the customer index),
//     plus the head once per batch, into a database with the ledger's
//     column families and options.
#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>

#include "absl/strings/str_cat.h"
#include "bench/bench_fixtures.h"
#include "benchmark/benchmark.h"
#include "ledger/storage/storage_layout.h"

namespace ledger::bench {
namespace {

constexpr size_t kSyncWriteBytes = 1024;
constexpr off_t kSyncFileBytes = 256 << 20;

void BM_Fdatasync(benchmark::State& state) {
  const std::string dir = NewDir("fdatasync");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/wal";
  int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0 || fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, kSyncFileBytes) != 0) {
    state.SkipWithError(std::strerror(errno));
    if (fd >= 0) close(fd);
    return;
  }
  const std::string block(kSyncWriteBytes, 'w');
  off_t written = 0;
  for (auto _ : state) {
    if (written + static_cast<off_t>(block.size()) > kSyncFileBytes) {
      state.PauseTiming();
      if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
        state.SkipWithError("cannot rewind the sync file");
      }
      written = 0;
      state.ResumeTiming();
    }
    if (write(fd, block.data(), block.size()) !=
            static_cast<ssize_t>(block.size()) ||
        fdatasync(fd) != 0) {
      state.SkipWithError(std::strerror(errno));
      break;
    }
    written += static_cast<off_t>(block.size());
  }
  close(fd);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(block.size()));
}

// Writes commands shaped like an accepted `use`.
class RawWriter {
 public:
  static RawWriter& Get() {
    if (Instance() == nullptr) new RawWriter();  // sets Instance()
    return *Instance();
  }
  static void Close() {
    delete Instance();
    Instance() = nullptr;
  }

  RawDb& raw() { return *raw_; }
  const CommandShape& shape() const { return shape_; }
  double wal_bytes_per_command() const { return wal_bytes_per_command_; }

  void AddCommand(rocksdb::WriteBatch& batch) {
    const uint64_t seq = ++seq_;
    const std::string customer = CustomerId(rng_() % Config().hot_customers);
    batch.Put(raw_->events(), EventKey(seq), Value(event_value_));
    batch.Put(raw_->keys(), Padded(absl::StrCat("u-", seq), key_key_),
              Value(key_value_));
    batch.Put(raw_->state(), customer + std::string("\0H", 2),
              Value(header_value_));
    batch.Put(raw_->state(), customer + std::string("\0Lp1", 4),
              Value(lot_value_));
    batch.Put(raw_->state(),
              Padded(customer + std::string("\0Uu", 3) + std::to_string(seq),
                     usage_key_),
              Value(usage_value_));
    batch.Put(raw_->customer_events(), CustomerEventKey(customer, seq),
              Value(customer_event_value_));
  }
  void AddHead(rocksdb::WriteBatch& batch) {
    batch.Put(raw_->meta(), kHeadKey, Value(head_value_));
  }

 private:
  static RawWriter*& Instance();

  RawWriter()
      : shape_(MeasuredUseShape()),
        event_value_(Round(shape_.event.value_bytes)),
        key_key_(Round(shape_.key.key_bytes)),
        key_value_(Round(shape_.key.value_bytes)),
        header_value_(Round(shape_.header.value_bytes)),
        lot_value_(Round(shape_.lot.value_bytes)),
        usage_key_(Round(shape_.usage.key_bytes)),
        usage_value_(Round(shape_.usage.value_bytes)),
        head_value_(Round(shape_.head.value_bytes)),
        customer_event_value_(Round(shape_.customer_event.value_bytes)) {
    const std::string dir = NewDir("raw-writes");
    raw_ = RawDb::OpenOrDie(dir, /*read_only=*/false);
    pool_.resize(1 << 20);
    std::mt19937_64 bytes(7);
    for (char& c : pool_) c = static_cast<char>(bytes());
    // The same check as the ledger's: WAL bytes per command at batch 1000.
    const uint64_t before = WalBytes(dir);
    constexpr int kBatches = 10, kBatch = 1000;
    for (int b = 0; b < kBatches; ++b) {
      rocksdb::WriteBatch batch;
      for (int i = 0; i < kBatch; ++i) AddCommand(batch);
      AddHead(batch);
      CheckOrDie(FromStatus(raw_->db()->Write(rocksdb::WriteOptions(), &batch)),
                 "raw write");
    }
    wal_bytes_per_command_ =
        static_cast<double>(WalBytes(dir) - before) / (kBatches * kBatch);
    Instance() = this;
  }

  static absl::Status FromStatus(const rocksdb::Status& s) {
    return s.ok() ? absl::OkStatus() : absl::InternalError(s.ToString());
  }
  static size_t Round(double bytes) { return static_cast<size_t>(std::lround(bytes)); }
  static std::string Padded(std::string s, size_t length) {
    if (s.size() < length) s.resize(length, 'x');
    return s;
  }
  // `length` bytes of incompressible data from a varying place in the pool.
  rocksdb::Slice Value(size_t length) {
    size_t offset = rng_() % (pool_.size() - length);
    return rocksdb::Slice(pool_.data() + offset, length);
  }

  const CommandShape shape_;
  const size_t event_value_, key_key_, key_value_, header_value_, lot_value_,
      usage_key_, usage_value_, head_value_, customer_event_value_;
  std::unique_ptr<RawDb> raw_;
  std::string pool_;
  std::mt19937_64 rng_{42};
  uint64_t seq_ = 0;
  double wal_bytes_per_command_ = 0;
};

RawWriter*& RawWriter::Instance() {
  static RawWriter* instance = nullptr;
  return instance;
}

void BM_RawWriteBatch(benchmark::State& state) {
  const int batch_size = static_cast<int>(state.range(0));
  RawWriter& w = RawWriter::Get();
  rocksdb::WriteOptions sync;
  sync.sync = true;
  for (auto _ : state) {
    rocksdb::WriteBatch batch;
    for (int i = 0; i < batch_size; ++i) w.AddCommand(batch);
    w.AddHead(batch);
    rocksdb::Status s = w.raw().db()->Write(sync, &batch);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  const CommandShape& shape = w.shape();
  state.SetItemsProcessed(state.iterations() * batch_size);
  state.counters["batch"] = batch_size;
  state.counters["bytes_per_cmd"] = shape.BytesPerCommand();
  state.counters["puts_per_cmd"] = CommandShape::kPutsPerCommand;
  state.counters["raw_wal_bytes_per_cmd"] = w.wal_bytes_per_command();
  state.counters["ledger_wal_bytes_per_cmd"] = shape.wal_bytes_per_command;
  state.counters["event_bytes"] = shape.event.key_bytes + shape.event.value_bytes;
  state.counters["key_record_bytes"] = shape.key.key_bytes + shape.key.value_bytes;
  state.counters["state_bytes"] = shape.header.key_bytes + shape.header.value_bytes +
                                  shape.lot.key_bytes + shape.lot.value_bytes +
                                  shape.usage.key_bytes + shape.usage.value_bytes;
  state.counters["head_bytes"] = shape.head.key_bytes + shape.head.value_bytes;
  // Each state put apart, so a layout change shows which entity it moved.
  state.counters["header_bytes"] = shape.header.key_bytes + shape.header.value_bytes;
  state.counters["lot_bytes"] = shape.lot.key_bytes + shape.lot.value_bytes;
  state.counters["usage_bytes"] = shape.usage.key_bytes + shape.usage.value_bytes;
  state.counters["customer_event_bytes"] =
      shape.customer_event.key_bytes + shape.customer_event.value_bytes;
  state.counters["event_value_bytes"] = shape.event.value_bytes;
  state.counters["key_value_bytes"] = shape.key.value_bytes;
}

}  // namespace

void RegisterStorageBenchmarks() {
  benchmark::RegisterBenchmark("disk/fdatasync_1KiB", BM_Fdatasync)
      ->UseRealTime()
      ->MinTime(1.0);
  benchmark::RegisterBenchmark("raw/write_batch", BM_RawWriteBatch)
      ->ArgName("batch")
      ->Arg(1)
      ->Arg(100)
      ->Arg(1000)
      ->UseRealTime()
      ->MinTime(1.0);
}

void CloseStorageFixtures() { RawWriter::Close(); }

}  // namespace ledger::bench
