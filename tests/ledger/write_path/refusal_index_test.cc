// The refusal journal's per-customer index (ledger/rejections.h,
// storage_layout.h): a customer's page is the filtered scan, paged by a
// cursor; retention drops a refusal and its entry together; a journal
// made before the index is scanned, then indexed at the next writable
// open.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/rejections.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/store.h"
#include "ledger/time_util.h"
#include "rocksdb/db.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::TempDir;

const int64_t kClockUs = *ParseTimeUs("2026-12-06T09:00:00Z");
constexpr int64_t kHourUs = int64_t{3600} * 1000000;

std::string Purchase(const std::string& key, const std::string& customer) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":")", customer,
                      R"(","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":")",
                      key, R"(","credits":100,"amount_minor":1000,"currency":"USD"}})");
}

// Refused: more credits than a purchase of 100 gives (or an unknown
// customer's).
std::string Overdraw(const std::string& key, const std::string& customer) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":")", customer,
                      R"(","at":"2026-03-08T11:00:00Z","use":{"usage_id":")", key,
                      R"(","category":"AI_PROCESSING","credits":500}})");
}

Options ClockAt(std::atomic<int64_t>* now) {
  Options options;
  options.clock = [now] { return now->load(); };
  options.rejection_retention = std::chrono::hours(24);
  return options;
}

std::vector<std::string> Keys(const std::vector<v1::RejectionRecord>& records) {
  std::vector<std::string> keys;
  for (const auto& r : records) keys.push_back(r.key());
  return keys;
}

// The refusal keys the whole-journal scan gives for `customer`.
std::vector<std::string> ScannedKeysOf(const std::string& dir,
                                       const std::string& customer) {
  std::vector<std::string> keys;
  EXPECT_TRUE(ReadRejections(dir, RejectionFilter(),
                             [&](const v1::RejectionRecord& r) {
                               if (r.customer() == customer) keys.push_back(r.key());
                               return absl::OkStatus();
                             })
                  .ok());
  return keys;
}

// `customer`'s refusals read a page of `limit` at a time, following the
// cursor to the end.
std::vector<std::string> PagedKeysOf(const std::string& dir,
                                     const std::string& customer, size_t limit) {
  RejectionFilter filter;
  filter.customer = customer;
  std::vector<std::string> keys;
  std::string after;
  for (int pages = 0; pages < 100; ++pages) {
    absl::StatusOr<RejectionPage> page = ReadRejectionPage(dir, filter, after, limit);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    EXPECT_LE(page->rejections.size(), limit);
    for (const std::string& k : Keys(page->rejections)) keys.push_back(k);
    if (!page->next_after.has_value()) break;
    after = *page->next_after;
  }
  return keys;
}

// The raw entries of the journal's family: refusals, index entries, the
// index's marker.
struct FamilyCounts {
  int refusals = 0;
  int index_entries = 0;
  bool marker = false;
};

FamilyCounts CountFamily(const std::string& dir) {
  FamilyCounts counts;
  auto store = Store::Open(dir, Store::Mode::kReadOnly, false);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return counts;
  EXPECT_TRUE((*store)
                  ->ForEachRejection([&](std::string_view key, std::string_view) {
                    if (key == std::string_view(kRejectionIndexBuiltKey, 1)) {
                      counts.marker = true;
                    } else if (key[0] == '\xFF') {
                      ++counts.index_entries;
                    } else {
                      ++counts.refusals;
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  return counts;
}

// Two customers' refusals interleaved, and one of an unparseable command
// (no customer, so no index entry).
void WriteRefusals(const std::string& dir, std::atomic<int64_t>* now) {
  auto db = Ledger::Open(ClockAt(now), dir);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->SubmitJson(Purchase("p1", "c1")).ok());
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE((*db)->SubmitJson(Overdraw(absl::StrCat("a", i), "c1")).ok());
    ASSERT_TRUE((*db)->SubmitJson(Overdraw(absl::StrCat("b", i), "c2")).ok());
    *now += 1000;
  }
  ASSERT_TRUE((*db)->SubmitJson("{not json").ok());
  ASSERT_TRUE((*db)->Close().ok());
}

TEST(RefusalIndex, ACustomersPagesFollowTheCursorAndEqualTheFilteredScan) {
  TempDir dir;
  std::atomic<int64_t> now{kClockUs};
  WriteRefusals(dir.path(), &now);
  const std::vector<std::string> c1 = ScannedKeysOf(dir.path(), "c1");
  ASSERT_EQ(c1.size(), 7u);
  EXPECT_EQ(PagedKeysOf(dir.path(), "c1", 3), c1);
  EXPECT_EQ(PagedKeysOf(dir.path(), "c1", 7), c1);
  EXPECT_EQ(PagedKeysOf(dir.path(), "c2", 1000), ScannedKeysOf(dir.path(), "c2"));
  EXPECT_TRUE(PagedKeysOf(dir.path(), "c3", 5).empty());
  // Every refusal with a customer has its entry, and the index is marked
  // complete.
  const FamilyCounts counts = CountFamily(dir.path());
  EXPECT_EQ(counts.refusals, 15);
  EXPECT_EQ(counts.index_entries, 14);
  EXPECT_TRUE(counts.marker);
  // A page that ends exactly at the last refusal says there is no next.
  RejectionFilter filter;
  filter.customer = "c1";
  auto page = ReadRejectionPage(dir.path(), filter, "", 7);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_FALSE(page->next_after.has_value());
}

TEST(RefusalIndex, ACursorThatIsNotOneIsInvalidArgument) {
  TempDir dir;
  std::atomic<int64_t> now{kClockUs};
  WriteRefusals(dir.path(), &now);
  RejectionFilter filter;
  filter.customer = "c1";
  EXPECT_TRUE(absl::IsInvalidArgument(
      ReadRejectionPage(dir.path(), filter, "yesterday", 5).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      ReadRejectionPage(dir.path(), filter, "12-x", 5).status()));
}

TEST(RefusalIndex, RetentionDropsARefusalAndItsIndexEntryTogether) {
  TempDir dir;
  std::atomic<int64_t> now{kClockUs};
  WriteRefusals(dir.path(), &now);
  ASSERT_EQ(CountFamily(dir.path()).index_entries, 14);
  now += 25 * kHourUs;  // past the 24 h retention
  {
    auto db = Ledger::Open(ClockAt(&now), dir.path());
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->SubmitJson(Overdraw("late", "c1")).ok());
    ASSERT_TRUE((*db)->Close().ok());
  }
  const FamilyCounts counts = CountFamily(dir.path());
  EXPECT_EQ(counts.refusals, 1);
  EXPECT_EQ(counts.index_entries, 1);
  EXPECT_EQ(PagedKeysOf(dir.path(), "c1", 10), std::vector<std::string>{"late"});
  EXPECT_TRUE(PagedKeysOf(dir.path(), "c2", 10).empty());
}

TEST(RefusalIndex, AJournalMadeBeforeTheIndexIsScannedThenIndexedAtTheNextWritableOpen) {
  TempDir dir;
  std::atomic<int64_t> now{kClockUs};
  WriteRefusals(dir.path(), &now);
  const std::vector<std::string> c1 = ScannedKeysOf(dir.path(), "c1");
  {  // Take the index and its marker away, as a journal of an earlier build
     // lacks them.
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.path(),
                                                &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const std::string& n : names) {
      families.emplace_back(n, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.path(), families,
                                  &handles, &raw).ok());
    for (rocksdb::ColumnFamilyHandle* h : handles) {
      if (h->GetName() != kRejectionsFamily) continue;
      ASSERT_TRUE(raw->DeleteRange(rocksdb::WriteOptions(), h,
                                   std::string(kRejectionIndexBuiltKey, 1),
                                   std::string(32, '\xFF')).ok());
    }
    for (rocksdb::ColumnFamilyHandle* h : handles) {
      raw->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    delete raw;
  }
  FamilyCounts counts = CountFamily(dir.path());
  ASSERT_EQ(counts.index_entries, 0);
  ASSERT_FALSE(counts.marker);
  // A reader scans: the same page.
  EXPECT_EQ(PagedKeysOf(dir.path(), "c1", 3), c1);
  {  // A writable open builds the index.
    auto db = Ledger::Open(ClockAt(&now), dir.path());
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Close().ok());
  }
  counts = CountFamily(dir.path());
  EXPECT_EQ(counts.index_entries, 14);
  EXPECT_TRUE(counts.marker);
  EXPECT_EQ(PagedKeysOf(dir.path(), "c1", 3), c1);
}

}  // namespace
}  // namespace ledger
