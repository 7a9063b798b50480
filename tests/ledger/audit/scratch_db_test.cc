// An audit's scratch database (ledger/audit/scratch_db.h): a sorted write
// larger than one batch arrives whole, and a cursor reading range after
// range gives what a scan of each range gives, whether the ranges come in
// key order (replay's comparison) or not, across memtables and table files;
// and it compacts its tables, keeping the newest value of a key written
// again, so that many spills leave few tables for a lookup to probe (or,
// allowed more sorted runs, leaves fewer than that unmerged). A
// large sorted run is added as a table file of its own, a small one goes
// through the memtable, and either way lookups, scans and cursors see
// every entry with the value written last.
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

constexpr int kPerRound = 10'000;

// `rounds` rounds of 1 MiB, each a memtable's worth (and each added as a
// table of its own): one owner's keys written again in every round (a
// usage spilled, read back and spilled again), the others new.
void WriteRounds(ScratchDb& db, int rounds) {
  for (int round = 0; round < rounds; ++round) {
    Entries entries;
    for (int i = 0; i < kPerRound; ++i) {
      const int owner = i % 2 == 0 ? 0 : 1 + round;
      entries.emplace_back(Key(owner, i), absl::StrCat(std::string(90, 'v'), round));
    }
    ASSERT_TRUE(db.WriteSorted(entries).ok());
  }
}

TEST(ScratchDb, ManySpillsAreCompactedIntoFewTablesKeepingTheNewestValueOfEachKey) {
  testing::TempDir parent;
  absl::StatusOr<std::unique_ptr<ScratchDb>> made = ScratchDb::Create(parent.path(), 0);
  ASSERT_TRUE(made.ok()) << made.status();
  ScratchDb& db = **made;
  EXPECT_EQ(db.sorted_runs(), ScratchDb::kSortedRuns);
  constexpr int kRounds = 40;
  ASSERT_NO_FATAL_FAILURE(WriteRounds(db, kRounds));
  // Left to itself, the database merges its tables in the background: 40
  // memtables' worth ends in far fewer tables. It lets twelve sorted runs
  // be before it merges, and now and then, the writes over, it stopped
  // short of that, at 19 tables, until a next write: half the rounds is
  // the bound (waits at most 60 s on a loaded machine; it takes well under
  // a second on an idle one).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (TableFiles(db.dir()) > kRounds / 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_LE(TableFiles(db.dir()), static_cast<size_t>(kRounds / 2));
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

TEST(ScratchDb, AllowedMoreSortedRunsItLeavesFewerThanThatUnmerged) {
  testing::TempDir parent;
  absl::StatusOr<std::unique_ptr<ScratchDb>> made =
      ScratchDb::Create(parent.path(), 0, ScratchDb::kSortedRunsWhenLookupsAreRare);
  ASSERT_TRUE(made.ok()) << made.status();
  ScratchDb& db = **made;
  EXPECT_EQ(db.sorted_runs(), ScratchDb::kSortedRunsWhenLookupsAreRare);
  // 30 runs: more than kSortedRuns, which the test above sees merged,
  // fewer than allowed here. None is merged, however long it is left.
  constexpr int kRounds = 30;
  static_assert(kRounds > ScratchDb::kSortedRuns &&
                kRounds < ScratchDb::kSortedRunsWhenLookupsAreRare);
  ASSERT_NO_FATAL_FAILURE(WriteRounds(db, kRounds));
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(TableFiles(db.dir()), static_cast<size_t>(kRounds));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // A lookup still finds each key's newest value among the runs.
  absl::StatusOr<std::optional<std::string>> one = db.Get(Key(0, 4242));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->value_or(""), absl::StrCat(std::string(90, 'v'), kRounds - 1));
  EXPECT_EQ(Scan(db, OwnerStart(0), OwnerEnd(0)).size(),
            static_cast<size_t>(kPerRound / 2));
}

// `n` keys of owner 0 from `first` on, every `step`-th, valued `tag`.
Entries RunOf(int first, int n, int step, const std::string& tag) {
  Entries entries;
  for (int i = 0; i < n; ++i) {
    const int k = first + i * step;
    entries.emplace_back(Key(0, k), absl::StrCat(std::string(90, 'v'), tag, "-", k));
  }
  return entries;
}

size_t Bytes(const Entries& entries) {
  size_t bytes = 0;
  for (const auto& [key, value] : entries) bytes += key.size() + value.size();
  return bytes;
}

TEST(ScratchDb, ALargeSortedRunIsAddedAsATableAndASmallOneThroughTheMemtable) {
  testing::TempDir parent;
  absl::StatusOr<std::unique_ptr<ScratchDb>> made = ScratchDb::Create(parent.path(), 0);
  ASSERT_TRUE(made.ok()) << made.status();
  ScratchDb& db = **made;
  Entries small = RunOf(0, 100, 1, "small");
  ASSERT_LT(Bytes(small), db.min_table_bytes());
  ASSERT_TRUE(db.WriteSorted(small).ok());
  EXPECT_EQ(db.tables_ingested(), 0u);
  Entries large = RunOf(100, 20'000, 1, "large");
  ASSERT_GE(Bytes(large), db.min_table_bytes());
  ASSERT_TRUE(db.WriteSorted(large).ok());
  EXPECT_EQ(db.tables_ingested(), 1u);
  // Every entry of both, in order.
  Entries all = Scan(db, OwnerStart(0), OwnerEnd(0));
  ASSERT_EQ(all.size(), small.size() + large.size());
  for (size_t i = 0; i < small.size(); ++i) ASSERT_EQ(all[i], small[i]);
  for (size_t i = 0; i < large.size(); ++i) ASSERT_EQ(all[small.size() + i], large[i]);
  // No file of the run is left beside the database's own.
  for (const auto& entry : std::filesystem::directory_iterator(db.dir())) {
    EXPECT_EQ(entry.path().filename().string().rfind("run-", 0), std::string::npos)
        << entry.path();
  }
}

TEST(ScratchDb, EntriesWrittenByTablesAndByTheMemtableAreAllReadWithTheNewestValueWinning) {
  testing::TempDir parent;
  absl::StatusOr<std::unique_ptr<ScratchDb>> made = ScratchDb::Create(parent.path(), 0);
  ASSERT_TRUE(made.ok()) << made.status();
  ScratchDb& db = **made;
  // Keys 0..39 999, written in turn by the memtable and as tables, each
  // write over keys some earlier one wrote: a usage spilled, read back,
  // changed and spilled again.
  constexpr int kKeys = 40'000;
  std::vector<std::string> expected(kKeys);
  auto write = [&](Entries entries, bool as_table) {
    ASSERT_EQ(Bytes(entries) >= db.min_table_bytes(), as_table);
    const uint64_t tables = db.tables_ingested();
    for (const auto& [key, value] : entries) {
      expected[std::stoi(key.substr(key.size() - 6))] = value;
    }
    ASSERT_TRUE(db.WriteSorted(entries).ok());
    EXPECT_EQ(db.tables_ingested(), tables + (as_table ? 1 : 0));
  };
  write(RunOf(0, 3000, 1, "mem1"), false);         // in the memtable
  write(RunOf(0, 20'000, 2, "table1"), true);      // over half of them
  write(RunOf(1, 2000, 7, "mem2"), false);         // over some of both
  write(RunOf(0, kKeys, 1, "table2"), true);       // over all of them
  write(RunOf(5, 1000, 3, "mem3"), false);
  write(RunOf(20'000, 10'000, 2, "table3"), true);
  write(RunOf(0, 4000, 10, "mem4"), false);
  for (int i = 0; i < kKeys; i += 37) {
    absl::StatusOr<std::optional<std::string>> got = db.Get(Key(0, i));
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->value_or("none"), expected[i]) << i;
  }
  Entries scanned = Scan(db, OwnerStart(0), OwnerEnd(0));
  ASSERT_EQ(scanned.size(), static_cast<size_t>(kKeys));
  std::unique_ptr<ScratchDb::Cursor> cursor = db.NewCursor();
  EXPECT_EQ(Read(*cursor, OwnerStart(0), OwnerEnd(0)), scanned);
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(scanned[i].first, Key(0, i));
    ASSERT_EQ(scanned[i].second, expected[i]) << i;
  }
}

TEST(ScratchDb, OfTheSameKeyGivenTwiceInOneSortedWriteTheLastWins) {
  testing::TempDir parent;
  absl::StatusOr<std::unique_ptr<ScratchDb>> made = ScratchDb::Create(parent.path(), 0);
  ASSERT_TRUE(made.ok()) << made.status();
  ScratchDb& db = **made;
  for (int entries : {10, 20'000}) {  // through the memtable, as a table
    SCOPED_TRACE(entries);
    Entries given = RunOf(0, entries, 1, absl::StrCat("first", entries));
    given.emplace_back(Key(0, 3), absl::StrCat("last", entries));
    given.emplace_back(Key(0, 3), absl::StrCat("later", entries));
    ASSERT_TRUE(db.WriteSorted(given).ok());
    absl::StatusOr<std::optional<std::string>> got = db.Get(Key(0, 3));
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->value_or(""), absl::StrCat("later", entries));
    EXPECT_EQ(Scan(db, OwnerStart(0), OwnerEnd(0)).size(), static_cast<size_t>(entries));
  }
}

TEST(ScratchDb, ASortedRunGivenEntryByEntryIsSeenOnceFinished) {
  testing::TempDir parent;
  absl::StatusOr<std::unique_ptr<ScratchDb>> made = ScratchDb::Create(parent.path(), 0);
  ASSERT_TRUE(made.ok()) << made.status();
  ScratchDb& db = **made;
  // Nothing given: nothing written, as either kind.
  for (size_t expected : {size_t{0}, db.min_table_bytes()}) {
    absl::StatusOr<std::unique_ptr<ScratchDb::SortedRun>> empty = db.NewSortedRun(expected);
    ASSERT_TRUE(empty.ok()) << empty.status();
    EXPECT_TRUE((*empty)->Finish().ok());
  }
  // An abandoned run (an error on its caller's side) leaves nothing.
  {
    absl::StatusOr<std::unique_ptr<ScratchDb::SortedRun>> abandoned =
        db.NewSortedRun(db.min_table_bytes());
    ASSERT_TRUE(abandoned.ok());
    ASSERT_TRUE((*abandoned)->Add(Key(1, 0), "never").ok());
  }
  absl::StatusOr<std::unique_ptr<ScratchDb::SortedRun>> run =
      db.NewSortedRun(db.min_table_bytes());
  ASSERT_TRUE(run.ok()) << run.status();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE((*run)->Add(Key(2, i), Value(2, i)).ok());
  EXPECT_TRUE(Scan(db, OwnerStart(2), OwnerEnd(2)).empty());
  ASSERT_TRUE((*run)->Finish().ok());
  EXPECT_EQ(Scan(db, OwnerStart(2), OwnerEnd(2)).size(), 1000u);
  EXPECT_TRUE(Scan(db, OwnerStart(1), OwnerEnd(1)).empty());
  EXPECT_EQ(db.tables_ingested(), 1u);
  for (const auto& entry : std::filesystem::directory_iterator(db.dir())) {
    EXPECT_EQ(entry.path().filename().string().rfind("run-", 0), std::string::npos)
        << entry.path();
  }
}

}  // namespace
}  // namespace ledger
