// A large batch goes to the memtables in key order (sorted_batch.h): the
// store must hold exactly what the batch as built would have left, and
// anything the sorter does not know is written as it is.
#include "ledger/storage/sorted_batch.h"

#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

// A database of three column families in a fresh folder.
class ThreeFamilies {
 public:
  explicit ThreeFamilies(const std::string& dir) {
    rocksdb::DBOptions options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name : {"default", "a", "b"}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options, dir, families, &handles_, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
  }
  ~ThreeFamilies() {
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      rocksdb::Status s = db_->DestroyColumnFamilyHandle(h);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  }

  rocksdb::DB& db() { return *db_; }
  const std::vector<rocksdb::ColumnFamilyHandle*>& handles() const {
    return handles_;
  }

  // Every (family, key) -> value the database holds.
  std::map<std::pair<int, std::string>, std::string> Contents() {
    std::map<std::pair<int, std::string>, std::string> out;
    for (size_t f = 0; f < handles_.size(); ++f) {
      std::unique_ptr<rocksdb::Iterator> it(
          db_->NewIterator(rocksdb::ReadOptions(), handles_[f]));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        out[{static_cast<int>(f), it->key().ToString()}] = it->value().ToString();
      }
      EXPECT_TRUE(it->status().ok());
    }
    return out;
  }

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

// Puts and deletes over few keys, so that keys repeat within the batch.
rocksdb::WriteBatch RandomBatch(const std::vector<rocksdb::ColumnFamilyHandle*>& families,
                                std::mt19937_64& rng, int entries) {
  rocksdb::WriteBatch batch;
  for (int i = 0; i < entries; ++i) {
    rocksdb::ColumnFamilyHandle* f = families[rng() % families.size()];
    const std::string key = absl::StrCat("k", rng() % 40);
    rocksdb::Status s = rng() % 4 == 0
                            ? batch.Delete(f, key)
                            : batch.Put(f, key, absl::StrCat("v", i));
    EXPECT_TRUE(s.ok());
  }
  return batch;
}

TEST(SortedBatch, LeavesTheStoreHoldingWhatTheBatchAsBuiltWould) {
  testing::TempDir as_built_dir, sorted_dir;
  ThreeFamilies as_built(as_built_dir.path()), sorted(sorted_dir.path());
  std::mt19937_64 rng(11);
  for (int round = 0; round < 50; ++round) {
    rocksdb::WriteBatch batch = RandomBatch(as_built.handles(), rng, 200);
    ASSERT_TRUE(as_built.db().Write(rocksdb::WriteOptions(), &batch).ok());
    // The same entries named by the other database's handles (same ids).
    std::optional<rocksdb::WriteBatch> ordered =
        SortedForMemtable(batch, sorted.handles(), /*min_entries=*/1);
    ASSERT_TRUE(ordered.has_value());
    EXPECT_EQ(ordered->Count(), batch.Count());
    ASSERT_TRUE(sorted.db().Write(rocksdb::WriteOptions(), &*ordered).ok());
  }
  EXPECT_FALSE(as_built.Contents().empty());
  EXPECT_EQ(sorted.Contents(), as_built.Contents());
}

TEST(SortedBatch, OrdersEntriesByFamilyThenKeyKeepingTheOrderOfOneKey) {
  testing::TempDir dir;
  ThreeFamilies db(dir.path());
  rocksdb::ColumnFamilyHandle* a = db.handles()[1];
  rocksdb::ColumnFamilyHandle* b = db.handles()[2];
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(b, "y", "1").ok());
  ASSERT_TRUE(batch.Put(a, "x", "2").ok());
  ASSERT_TRUE(batch.Put(b, "x", "3").ok());
  ASSERT_TRUE(batch.Delete(b, "y").ok());
  ASSERT_TRUE(batch.Put(b, "y", "5").ok());
  std::optional<rocksdb::WriteBatch> sorted =
      SortedForMemtable(batch, db.handles(), /*min_entries=*/1);
  ASSERT_TRUE(sorted.has_value());

  struct Lister : rocksdb::WriteBatch::Handler {
    std::vector<std::string> seen;
    rocksdb::Status PutCF(uint32_t f, const rocksdb::Slice& k,
                          const rocksdb::Slice& v) override {
      seen.push_back(absl::StrCat(f, ":", k.ToString(), "=", v.ToString()));
      return rocksdb::Status::OK();
    }
    rocksdb::Status DeleteCF(uint32_t f, const rocksdb::Slice& k) override {
      seen.push_back(absl::StrCat(f, ":", k.ToString(), " deleted"));
      return rocksdb::Status::OK();
    }
  } lister;
  ASSERT_TRUE(sorted->Iterate(&lister).ok());
  const std::string fa = absl::StrCat(a->GetID()), fb = absl::StrCat(b->GetID());
  EXPECT_EQ(lister.seen,
            (std::vector<std::string>{fa + ":x=2", fb + ":x=3", fb + ":y=1",
                                      fb + ":y deleted", fb + ":y=5"}));
}

TEST(SortedBatch, LeavesABatchWithAnythingButPutsAndDeletesAsItIs) {
  testing::TempDir dir;
  ThreeFamilies db(dir.path());
  rocksdb::ColumnFamilyHandle* a = db.handles()[1];
  auto with = [&](auto add) {
    rocksdb::WriteBatch batch;
    EXPECT_TRUE(batch.Put(a, "k1", "v").ok());
    add(batch);
    EXPECT_TRUE(batch.Put(a, "k0", "v").ok());
    return SortedForMemtable(batch, db.handles(), /*min_entries=*/1);
  };
  EXPECT_TRUE(with([](rocksdb::WriteBatch&) {}).has_value());
  EXPECT_FALSE(with([&](rocksdb::WriteBatch& b) {
                 EXPECT_TRUE(b.Merge(a, "k", "v").ok());
               }).has_value());
  EXPECT_FALSE(with([&](rocksdb::WriteBatch& b) {
                 EXPECT_TRUE(b.DeleteRange(a, "a", "b").ok());
               }).has_value());
  EXPECT_FALSE(with([&](rocksdb::WriteBatch& b) {
                 EXPECT_TRUE(b.SingleDelete(a, "k").ok());
               }).has_value());
  EXPECT_FALSE(with([&](rocksdb::WriteBatch& b) {
                 EXPECT_TRUE(b.PutLogData("note").ok());
               }).has_value());
}

TEST(SortedBatch, LeavesASmallBatchOrOneNamingAnUnknownFamilyAsItIs) {
  testing::TempDir dir;
  ThreeFamilies db(dir.path());
  rocksdb::WriteBatch batch;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(batch.Put(db.handles()[2], absl::StrCat("k", 9 - i), "v").ok());
  }
  EXPECT_FALSE(SortedForMemtable(batch, db.handles(), /*min_entries=*/11).has_value());
  EXPECT_TRUE(SortedForMemtable(batch, db.handles(), /*min_entries=*/10).has_value());
  // Family 2 is not among the handles given.
  std::vector<rocksdb::ColumnFamilyHandle*> first_two(db.handles().begin(),
                                                      db.handles().begin() + 2);
  EXPECT_FALSE(SortedForMemtable(batch, first_two, /*min_entries=*/1).has_value());
}

}  // namespace
}  // namespace ledger
