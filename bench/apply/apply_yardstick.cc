// apply_yardstick: the two sides of apply's target, as whole commands that
// `farm-bench` can time against each other (docs/benchmarks.md, "apply
// beside raw RocksDB"):
//   apply_yardstick commands FILE [N] [HOT]  writes the JSON Lines file apply
//       reads: HOT purchases (default 10 000), then uses of random customers,
//       N commands in all (default 200 000), the same commands as the
//       json/ benchmarks of ledger_bench;
//   apply_yardstick raw DIR [N]  writes N (default 200 000) records of 200
//       bytes (a 16-byte key, a 184-byte value) into a new RocksDB database
//       in DIR, in synced WriteBatches of 1000, with the options of the
//       ledger's store: the bytes-only floor a ledger's write cannot beat.
// Both print one line on stdout saying what they did.
#include <chrono>
#include <cstring>
#include <memory>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "absl/strings/str_format.h"
#include "bench/bench_fixtures.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "tools/workload/command_json.h"

namespace ledger::bench {
namespace {

constexpr size_t kRecordBytes = 200;
constexpr size_t kKeyBytes = 16;
constexpr size_t kBatch = 1000;

int Usage() {
  std::fprintf(stderr,
               "usage: apply_yardstick commands FILE [N] [HOT]\n"
               "       apply_yardstick raw DIR [N]\n");
  return 2;
}

size_t Arg(int argc, char** argv, int i, size_t fallback) {
  return argc > i ? std::strtoull(argv[i], nullptr, 10) : fallback;
}

int WriteCommands(const std::string& file, size_t total, uint64_t customers) {
  std::ofstream out(file);
  std::mt19937_64 rng(7);  // the seed of bench/json_bench.cc
  size_t written = 0;
  for (uint64_t c = 0; c < customers && written < total; ++c, ++written) {
    out << workload::CommandJson(PurchaseCommand(c)) << "\n";
  }
  for (uint64_t n = 0; written < total; ++n, ++written) {
    out << workload::CommandJson(UseCommand(rng() % customers, n)) << "\n";
  }
  out.flush();
  if (!out.good()) {
    std::fprintf(stderr, "apply_yardstick: cannot write %s\n", file.c_str());
    return 1;
  }
  std::printf("wrote %zu commands (%llu purchases) to %s\n", written,
              static_cast<unsigned long long>(customers), file.c_str());
  return 0;
}

int WriteRaw(const std::string& dir, size_t records) {
  rocksdb::Options options = LedgerLikeOptions();
  options.create_if_missing = true;
  options.error_if_exists = true;  // a fresh database each run, as apply's
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) {
    std::fprintf(stderr, "apply_yardstick: %s\n", s.ToString().c_str());
    return 1;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  std::mt19937_64 rng(42);
  std::string value(kRecordBytes - kKeyBytes, '\0');
  const auto start = std::chrono::steady_clock::now();
  for (size_t done = 0; done < records;) {
    rocksdb::WriteBatch batch;
    for (size_t i = 0; i < kBatch && done < records; ++i, ++done) {
      // Big-endian sequence keys, like the event log's; values vary so
      // compression does not make them free.
      char key[kKeyBytes] = {};
      for (int b = 0; b < 8; ++b) key[15 - b] = static_cast<char>(done >> (8 * b));
      for (size_t v = 0; v + 8 <= value.size(); v += 8) {
        const uint64_t r = rng();
        std::memcpy(value.data() + v, &r, 8);
      }
      batch.Put(rocksdb::Slice(key, kKeyBytes), value);
    }
    s = db->Write(sync, &batch);
    if (!s.ok()) {
      std::fprintf(stderr, "apply_yardstick: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wrote %zu records of %zu bytes in synced batches of %zu: %.0f/s\n",
              records, kRecordBytes, kBatch, records / seconds);
  return 0;
}

}  // namespace
}  // namespace ledger::bench

int main(int argc, char** argv) {
  if (argc < 3) return ledger::bench::Usage();
  const std::string what = argv[1];
  if (what == "commands") {
    return ledger::bench::WriteCommands(argv[2],
                                        ledger::bench::Arg(argc, argv, 3, 200'000),
                                        ledger::bench::Arg(argc, argv, 4, 10'000));
  }
  if (what == "raw") {
    return ledger::bench::WriteRaw(argv[2], ledger::bench::Arg(argc, argv, 3, 200'000));
  }
  return ledger::bench::Usage();
}
