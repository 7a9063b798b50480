// The write-ahead log files a writable open leaves (docs/operations.md,
// "What to monitor"): every open starts a new WAL file, and with RocksDB
// 7.8 one that writes nothing leaves it empty, kept until a flush moves the
// log forward. The next open that writes anything flushes as it closes
// (Store::Close), and that removes every empty file the opens before it
// left: their number is bounded by the opens since the last write.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "ledger/storage/store.h"
#include "rocksdb/write_batch.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

size_t WalFiles(const std::string& dir) {
  size_t logs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    logs += entry.path().extension() == ".log";
  }
  return logs;
}

void OpenAndClose(const std::string& dir, bool write) {
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(dir, Store::Mode::kReadWrite, /*create_if_missing=*/true);
  ASSERT_TRUE(store.ok()) << store.status();
  if (write) {
    rocksdb::WriteBatch batch;
    batch.Put((*store)->meta(), "empty-wal-test", "a write");
    ASSERT_TRUE((*store)->Write(batch, /*sync=*/true).ok());
  }
  ASSERT_TRUE((*store)->Close().ok());
}

TEST(EmptyWalFiles, TheNextOpenThatWritesRemovesThoseOfOpensThatWroteNothing) {
  testing::TempDir dir;
  const std::string db = dir.path() + "/db";
  ASSERT_NO_FATAL_FAILURE(OpenAndClose(db, /*write=*/true));
  for (int i = 0; i < 8; ++i) ASSERT_NO_FATAL_FAILURE(OpenAndClose(db, false));
  // At most one a quiet open (none once RocksDB removes them at the open).
  EXPECT_LE(WalFiles(db), size_t{9});
  ASSERT_NO_FATAL_FAILURE(OpenAndClose(db, /*write=*/true));
  EXPECT_LE(WalFiles(db), size_t{1});
}

}  // namespace
}  // namespace ledger
