// The write-ahead log's bound (docs/storage.md, "The write-ahead log's
// size"): families written a few bytes a batch (the head's, the refusal
// journal's) would otherwise keep every WAL file alive until RocksDB's own
// bound, four times the memtables, and a crash's next open would replay all
// of it. Small memtables and a small bound stand in for production's.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/rules/command_validation.h"
#include "ledger/ledger.h"
#include "ledger/storage/store.h"
#include "ledger/write_path/open_with_env.h"
#include "rocksdb/env.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::TempDir;

constexpr uint64_t kBound = 256 << 10;
constexpr int kBatches = 40;
constexpr int kBatchCommands = 500;

// Bytes of the WAL files in `dir` now. RocksDB deletes an obsolete WAL in
// the background, so one listed may be gone when its size is asked: it
// holds nothing then.
uint64_t WalBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".log") continue;
    std::error_code gone;
    const uintmax_t size = std::filesystem::file_size(entry.path(), gone);
    if (!gone) bytes += size;
  }
  return bytes;
}

// A batch of uses of one customer's purchase: a few hundred bytes of WAL a
// command, so kBatches batches write several MiB.
std::vector<v1::Command> Uses(int batch) {
  std::vector<v1::Command> out;
  for (int i = 0; i < kBatchCommands; ++i) {
    absl::StatusOr<v1::Command> c = ParseCommandJson(absl::StrCat(
        R"({"key":"u-)", batch, "-", i,
        R"(","customer":"c1","at":"2026-01-02T00:00:00Z","use":{"usage_id":"usage-)",
        batch, "-", i, R"(","category":"AI_PROCESSING","credits":1}})"));
    EXPECT_TRUE(c.ok()) << c.status();
    out.push_back(*c);
  }
  return out;
}

// RocksDB checks the bound as it switches WAL files and then flushes in the
// background: the log may pass the bound by what the families' memtables
// hold, for as long as the flush takes (seconds on a loaded machine).
constexpr uint64_t kSettledBelow = 4 * kBound + (1 << 20);

struct WalFigures {
  uint64_t peak = 0;     // the most WAL bytes seen after a batch
  uint64_t settled = 0;  // once the flushes the writes asked for are done
  uint64_t last_seq = 0;
};

// Writes kBatches batches with the WAL bounded at `bound`, then reopens
// the ledger and checks every event is there.
WalFigures WriteWithBound(const std::string& dir, uint64_t bound) {
  StoreTuning tuning;
  tuning.write_buffer_bytes = 64 << 10;
  tuning.max_total_wal_bytes = bound;
  Options options;
  options.sync = false;
  WalFigures figures;
  {
    auto opened =
        OpenLedgerWithEnv(options, dir, rocksdb::Env::Default(), tuning);
    EXPECT_TRUE(opened.ok()) << opened.status();
    if (!opened.ok()) return figures;
    Ledger& ledger = **opened;
    auto purchase = ParseCommandJson(
        R"({"key":"p1","customer":"c1","at":"2026-01-01T00:00:00Z",)"
        R"("purchase":{"purchase_id":"p1","credits":100000000,)"
        R"("amount_minor":100000000,"currency":"USD"}})");
    EXPECT_TRUE(purchase.ok()) << purchase.status();
    EXPECT_TRUE(ledger.Submit(*purchase).ok());
    for (int b = 0; b < kBatches; ++b) {
      auto results = ledger.SubmitBatch(Uses(b));
      EXPECT_TRUE(results.ok()) << results.status();
      figures.peak = std::max(figures.peak, WalBytes(dir));
    }
    figures.last_seq = ledger.LastSeq();
    // An unbounded log never shrinks: no wait for it.
    if (bound <= kBound) {
      testing::WaitUntil([&] { return WalBytes(dir) < kSettledBelow; },
                         absl::Seconds(20));
    }
    figures.settled = WalBytes(dir);
  }
  auto reopened = Ledger::Open(options, dir);
  EXPECT_TRUE(reopened.ok()) << reopened.status();
  if (reopened.ok()) {
    EXPECT_EQ((*reopened)->LastSeq(), figures.last_seq);
  }
  return figures;
}

TEST(WalBound, TheWriteAheadLogStaysNearItsBoundWhileSomeFamiliesRarelyFlush) {
  TempDir bounded_dir;
  TempDir unbounded_dir;
  const WalFigures bounded = WriteWithBound(bounded_dir.path(), kBound);
  // The same writes with a bound that never binds: the WAL the head's and
  // the journal's families keep alive grows with the writes.
  const WalFigures unbounded =
      WriteWithBound(unbounded_dir.path(), uint64_t{1} << 40);
  ASSERT_EQ(bounded.last_seq, 1u + kBatches * kBatchCommands);
  ASSERT_EQ(unbounded.last_seq, bounded.last_seq);
  std::cout << "WAL with a " << kBound << "-byte bound: peak " << bounded.peak
            << ", settled " << bounded.settled << " bytes; without: peak "
            << unbounded.peak << ", settled " << unbounded.settled << "\n";
  EXPECT_LT(bounded.settled, kSettledBelow);
  // The writes are enough to test it: without the bound the log the quiet
  // families keep alive holds all of them.
  EXPECT_GT(unbounded.settled, 2 * kSettledBelow);
}

}  // namespace
}  // namespace ledger
