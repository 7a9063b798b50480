// An audit's scratch database (ledger/audit/scratch_db.h): a sorted write
// larger than one batch arrives whole, and a cursor reading range after
// range gives what a scan of each range gives, whether the ranges come in
// key order (replay's comparison) or not, across memtables and table files;
// and it compacts its tables, keeping the newest value of a key written
// again, so that many spills leave few tables for a lookup to probe.
#include "ledger/audit/scratch_db.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <thread>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

// 20 owners of 3 000 entries each, 100-byte values, written owner by
// owner in batches of one owner at a time: about 6 MiB, several memtables
// of 1 MiB, so the data ends in level-0 files and memtables both.
constexpr int kOwners = 20;
constexpr int kPerOwner = 3000;

std::string Key(int owner, int i) {
  return absl::StrFormat("owner%02d%c%06d", owner, '\0', i);
}
std::string OwnerStart(int owner) { return absl::StrFormat("owner%02d%c", owner, '\0'); }
std::string OwnerEnd(int owner) { return absl::StrFormat("owner%02d%c", owner, '\1'); }
std::string Value(int owner, int i) {
  return absl::StrCat(std::string(90, 'v'), owner, "-", i);
}

std::unique_ptr<ScratchDb> Filled(const std::string& parent) {
  absl::StatusOr<std::unique_ptr<ScratchDb>> db = ScratchDb::Create(parent, 0);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return nullptr;
  for (int owner = 0; owner < kOwners; ++owner) {
    Entries entries;
    // Backwards: WriteSorted sorts them.
    for (int i = kPerOwner - 1; i >= 0; --i) {
      entries.emplace_back(Key(owner, i), Value(owner, i));
    }
    EXPECT_TRUE((*db)->WriteSorted(entries).ok());
  }
  return std::move(*db);
}

Entries Scan(const ScratchDb& db, std::string_view from, std::string_view to) {
  Entries out;
  EXPECT_TRUE(db.ForEachIn(from, to, [&](std::string_view k, std::string_view v) {
                  out.emplace_back(k, v);
                  return absl::OkStatus();
                }).ok());
  return out;
}

Entries Read(ScratchDb::Cursor& cursor, std::string_view from, std::string_view to) {
  Entries out;
  EXPECT_TRUE(cursor.ForEachIn(from, to, [&](std::string_view k, std::string_view v) {
                      out.emplace_back(k, v);
                      return absl::OkStatus();
                    }).ok());
  return out;
}

TEST(ScratchDb, ASortedWriteOfManyBatchesArrivesWhole) {
  testing::TempDir parent;
  std::unique_ptr<ScratchDb> db = Filled(parent.path());
  ASSERT_NE(db, nullptr);
  // A write of one owner (about 330 KiB) spans more than one batch.
  ASSERT_LT(db->max_batch_bytes(), size_t{kPerOwner} * 100);
  for (int owner : {0, 7, kOwners - 1}) {
    Entries got = Scan(*db, OwnerStart(owner), OwnerEnd(owner));
    ASSERT_EQ(got.size(), static_cast<size_t>(kPerOwner)) << owner;
    for (int i = 0; i < kPerOwner; ++i) {
      ASSERT_EQ(got[i].first, Key(owner, i));
      ASSERT_EQ(got[i].second, Value(owner, i));
    }
  }
  absl::StatusOr<std::optional<std::string>> one = db->Get(Key(3, 1234));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->value_or(""), Value(3, 1234));
}

TEST(ScratchDb, ACursorReadingRangesInKeyOrderGivesWhatAScanOfEachGives) {
  testing::TempDir parent;
  std::unique_ptr<ScratchDb> db = Filled(parent.path());
  ASSERT_NE(db, nullptr);
  std::unique_ptr<ScratchDb::Cursor> cursor = db->NewCursor();
  // Every owner, then ranges with nothing in them between owners.
  for (int owner = 0; owner < kOwners; ++owner) {
    SCOPED_TRACE(owner);
    EXPECT_EQ(Read(*cursor, OwnerStart(owner), OwnerEnd(owner)),
              Scan(*db, OwnerStart(owner), OwnerEnd(owner)));
    EXPECT_TRUE(Read(*cursor, OwnerEnd(owner), OwnerStart(owner + 1)).empty());
  }
  EXPECT_TRUE(Read(*cursor, "zzz", "").empty());  // past the last key
}

TEST(ScratchDb, ACursorReadingRangesOutOfOrderGivesWhatAScanOfEachGives) {
  testing::TempDir parent;
  std::unique_ptr<ScratchDb> db = Filled(parent.path());
  ASSERT_NE(db, nullptr);
  std::unique_ptr<ScratchDb::Cursor> cursor = db->NewCursor();
  for (int owner : {12, 3, 19, 0, 12}) {
    SCOPED_TRACE(owner);
    EXPECT_EQ(Read(*cursor, OwnerStart(owner), OwnerEnd(owner)),
              Scan(*db, OwnerStart(owner), OwnerEnd(owner)));
  }
  // A range with no upper end reads to the last key.
  EXPECT_EQ(Read(*cursor, OwnerStart(kOwners - 1), "").size(),
            static_cast<size_t>(kPerOwner));
}

TEST(ScratchDb, ACursorStopsWhereTheCallerStopsIt) {
  testing::TempDir parent;
  std::unique_ptr<ScratchDb> db = Filled(parent.path());
  ASSERT_NE(db, nullptr);
  std::unique_ptr<ScratchDb::Cursor> cursor = db->NewCursor();
  int seen = 0;
  absl::Status stopped = cursor->ForEachIn(
      OwnerStart(5), OwnerEnd(5), [&](std::string_view, std::string_view) {
        return ++seen == 10 ? absl::CancelledError("enough") : absl::OkStatus();
      });
  EXPECT_TRUE(absl::IsCancelled(stopped)) << stopped;
  EXPECT_EQ(seen, 10);
  // And reads the next range whole afterwards.
  EXPECT_EQ(Read(*cursor, OwnerStart(6), OwnerEnd(6)).size(),
            static_cast<size_t>(kPerOwner));
}

size_t TableFiles(const std::string& dir) {
  size_t tables = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    tables += entry.path().extension() == ".sst";
  }
  return tables;
}

TEST(ScratchDb, ManySpillsAreCompactedIntoFewTablesKeepingTheNewestValueOfEachKey) {
  testing::TempDir parent;
  absl::StatusOr<std::unique_ptr<ScratchDb>> made = ScratchDb::Create(parent.path(), 0);
  ASSERT_TRUE(made.ok()) << made.status();
  ScratchDb& db = **made;
  // 40 rounds of 1 MiB, each a memtable's worth: one owner's keys written
  // again in every round (a usage spilled, read back and spilled again),
  // the others new.
  constexpr int kRounds = 40;
  constexpr int kPerRound = 10'000;
  for (int round = 0; round < kRounds; ++round) {
    Entries entries;
    for (int i = 0; i < kPerRound; ++i) {
      const int owner = i % 2 == 0 ? 0 : 1 + round;
      entries.emplace_back(Key(owner, i), absl::StrCat(std::string(90, 'v'), round));
    }
    ASSERT_TRUE(db.WriteSorted(entries).ok());
  }
  // Left to itself, the database merges its tables in the background: 40
  // memtables' worth ends in far fewer tables (waits at most 60 s on a
  // loaded machine; it takes well under a second on an idle one).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (TableFiles(db.dir()) > kRounds / 4 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_LE(TableFiles(db.dir()), static_cast<size_t>(kRounds / 4));
  // The key written in every round has the last round's value, once.
  Entries rewritten = Scan(db, OwnerStart(0), OwnerEnd(0));
  ASSERT_EQ(rewritten.size(), static_cast<size_t>(kPerRound / 2));
  for (const auto& [key, value] : rewritten) {
    ASSERT_EQ(value, absl::StrCat(std::string(90, 'v'), kRounds - 1)) << key;
  }
  absl::StatusOr<std::optional<std::string>> one = db.Get(Key(0, 4242));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->value_or(""), absl::StrCat(std::string(90, 'v'), kRounds - 1));
  absl::StatusOr<std::optional<std::string>> first = db.Get(Key(1, 1));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->value_or(""), absl::StrCat(std::string(90, 'v'), 0));
}

}  // namespace
}  // namespace ledger
