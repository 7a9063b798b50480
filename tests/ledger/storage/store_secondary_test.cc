// Store's kSecondary mode (what `ledgerctl tail` reads through): it opens
// beside a process that has the ledger open for writing, sees that
// process's commits only when it catches up, and never writes.
#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/storage/store.h"
#include "rocksdb/write_batch.h"
#include "tests/reliability/reliability_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::BuyJson;
using testing::TempDir;
using testing::TestLedger;

uint64_t HeadSeq(const Store& store) {
  auto head = store.ReadHead();
  EXPECT_TRUE(head.ok()) << head.status();
  return head.ok() ? head->seq() : 0;
}

TEST(StoreSecondaryTest, SeesWhatTheWriterCommitsOnceItCatchesUp) {
  TestLedger db;  // holds the RocksDB LOCK for the whole test
  ASSERT_EQ(db.Code(BuyJson("k1", "c1", "p1", 10)), "ACCEPTED");
  TempDir scratch;
  auto secondary = Store::OpenSecondary(db.dir(), scratch.path());
  ASSERT_TRUE(secondary.ok()) << secondary.status();
  EXPECT_EQ(HeadSeq(**secondary), 1u);

  ASSERT_EQ(db.Code(BuyJson("k2", "c2", "p1", 10)), "ACCEPTED");
  // A secondary moves only when told to: what it reads stays consistent.
  EXPECT_EQ(HeadSeq(**secondary), 1u);
  ASSERT_TRUE((*secondary)->CatchUp().ok());
  EXPECT_EQ(HeadSeq(**secondary), 2u);
  int events = 0;
  ASSERT_TRUE((*secondary)
                  ->ForEachEvent(1,
                                 [&](std::string_view, std::string_view) {
                                   ++events;
                                   return absl::OkStatus();
                                 })
                  .ok());
  EXPECT_EQ(events, 2);
  // And the writer goes on undisturbed.
  EXPECT_EQ(db.Code(BuyJson("k3", "c3", "p1", 10)), "ACCEPTED");
}

TEST(StoreSecondaryTest, ReadOnlyAndSecondaryStoresRefuseToWrite) {
  TestLedger db;
  ASSERT_EQ(db.Code(BuyJson("k1", "c1", "p1", 10)), "ACCEPTED");
  TempDir scratch;
  auto secondary = Store::OpenSecondary(db.dir(), scratch.path());
  ASSERT_TRUE(secondary.ok()) << secondary.status();
  rocksdb::WriteBatch batch;
  batch.Put((*secondary)->meta(), "x", "y");
  EXPECT_TRUE(absl::IsFailedPrecondition((*secondary)->Write(batch, true)));
  secondary->reset();
  db.Close();

  auto read_only = Store::Open(db.dir(), Store::Mode::kReadOnly, false);
  ASSERT_TRUE(read_only.ok()) << read_only.status();
  rocksdb::WriteBatch batch2;
  batch2.Put((*read_only)->meta(), "x", "y");
  EXPECT_TRUE(absl::IsFailedPrecondition((*read_only)->Write(batch2, true)));
  // CatchUp is the secondary's alone.
  EXPECT_TRUE(absl::IsFailedPrecondition((*read_only)->CatchUp()));
}

TEST(StoreSecondaryTest, SecondaryOfAMissingLedgerIsNotFoundAndCreatesNothing) {
  TempDir dir, scratch;
  const std::string missing = dir.path() + "/nope";
  auto secondary = Store::OpenSecondary(missing, scratch.path());
  EXPECT_TRUE(absl::IsNotFound(secondary.status())) << secondary.status();
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST(StoreSecondaryTest, SecondaryModeNeedsItsScratchFolder) {
  TestLedger db;
  db.Close();
  EXPECT_TRUE(absl::IsInvalidArgument(
      Store::Open(db.dir(), Store::Mode::kSecondary, false).status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(Store::OpenSecondary(db.dir(), "").status()));
}

}  // namespace
}  // namespace ledger
