// The refusal journal (ledger/rejections.h, write_path/refusal_journal.h):
// every rejection recorded once with its code, beside the log and never in
// it; its retention; a ledger made before it opens and gets one.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/export.h"
#include "ledger/ledger.h"
#include "ledger/rejections.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/time_util.h"
#include "ledger/verify.h"
#include "rocksdb/db.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::TempDir;

const int64_t kClockUs = *ParseTimeUs("2026-12-06T09:00:00Z");

std::string Purchase(const std::string& key, const std::string& customer) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":")", customer,
                      R"(","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":")",
                      key, R"(","credits":100,"amount_minor":1000,"currency":"USD"}})");
}

std::string Use(const std::string& key, const std::string& customer, int credits) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":")", customer,
                      R"(","at":"2026-03-08T11:00:00Z","use":{"usage_id":")", key,
                      R"(","category":"AI_PROCESSING","credits":)", credits, "}}");
}

std::vector<v1::RejectionRecord> Journal(const std::string& dir,
                                         const RejectionFilter& filter = {}) {
  std::vector<v1::RejectionRecord> out;
  absl::Status read = ReadRejections(dir, filter, [&](const v1::RejectionRecord& r) {
    out.push_back(r);
    return absl::OkStatus();
  });
  EXPECT_TRUE(read.ok()) << read;
  return out;
}

Options ClockAt(std::atomic<int64_t>* now) {
  Options options;
  options.clock = [now] { return now->load(); };
  return options;
}

// A stream with every way to be refused: the rules, a reused key, a command
// that does not parse, one that does not validate; and duplicates and
// acceptances, which are not refusals.
std::vector<std::string> Stream() {
  return {Purchase("k1", "c1"),
          Use("k2", "c1", 500),                  // INSUFFICIENT_CREDITS
          Use("k3", "c9", 1),                    // UNKNOWN_CUSTOMER
          Purchase("k1", "c1"),                  // duplicate
          Use("k1", "c1", 1),                    // KEY_REUSED
          "{not json",                           // INVALID_COMMAND
          Use("k6", "c1", -4),                   // INVALID_COMMAND
          Use("k7", "c1", 10)};
}

TEST(RefusalJournal, EveryRejectionOfAStreamIsRecordedOnceWithItsCode) {
  TempDir dir;
  std::atomic<int64_t> now{kClockUs};
  std::vector<SubmitResult> results;
  {
    auto db = Ledger::Open(ClockAt(&now), dir.path());
    ASSERT_TRUE(db.ok()) << db.status();
    const std::vector<std::string> stream = Stream();
    // One at a time (groups of refusals only, written unsynced) and as one
    // batch (refusals in the group's synced batch).
    for (size_t i = 0; i < 4; ++i) {
      auto r = (*db)->SubmitJson(stream[i]);
      ASSERT_TRUE(r.ok()) << r.status();
      results.push_back(*r);
    }
    std::vector<std::string> rest(stream.begin() + 4, stream.end());
    auto batch = (*db)->SubmitJsonBatch(rest);
    ASSERT_TRUE(batch.ok()) << batch.status();
    results.insert(results.end(), batch->begin(), batch->end());
    ASSERT_TRUE((*db)->Close().ok());
  }
  std::vector<const SubmitResult*> rejected;
  for (const SubmitResult& r : results) {
    if (r.outcome == Outcome::kRejected) rejected.push_back(&r);
  }
  ASSERT_EQ(rejected.size(), 5u);
  const std::vector<v1::RejectionRecord> journal = Journal(dir.path());
  ASSERT_EQ(journal.size(), rejected.size());
  for (size_t i = 0; i < journal.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(journal[i].key(), rejected[i]->key.value_or(""));
    EXPECT_EQ(journal[i].code(), rejected[i]->code);
    EXPECT_EQ(journal[i].message(), rejected[i]->message);
    EXPECT_EQ(journal[i].recorded_at_us(), kClockUs);
    EXPECT_EQ(journal[i].actor(), "");
  }
  EXPECT_EQ(journal[0].code(), v1::INSUFFICIENT_CREDITS);
  EXPECT_EQ(journal[0].customer(), "c1");
  EXPECT_EQ(journal[0].kind(), "use");
  EXPECT_EQ(journal[0].at(), "2026-03-08T11:00:00Z");
  EXPECT_EQ(journal[1].code(), v1::UNKNOWN_CUSTOMER);
  EXPECT_EQ(journal[2].code(), v1::KEY_REUSED);
  EXPECT_EQ(journal[3].code(), v1::INVALID_COMMAND);
  EXPECT_EQ(journal[3].kind(), "");  // it did not parse
  EXPECT_EQ(journal[4].code(), v1::INVALID_COMMAND);

  RejectionFilter only_c9;
  only_c9.customer = "c9";
  EXPECT_EQ(Journal(dir.path(), only_c9).size(), 1u);
  RejectionFilter invalid;
  invalid.code = v1::INVALID_COMMAND;
  EXPECT_EQ(Journal(dir.path(), invalid).size(), 2u);
  RejectionFilter later;
  later.from_us = kClockUs + 1;
  EXPECT_TRUE(Journal(dir.path(), later).empty());
}

TEST(RefusalJournal, TheJournalIsNeverPartOfTheLog) {
  // The same stream into a ledger with the journal and one without: the
  // same log, digest and export.
  TempDir with, without;
  std::atomic<int64_t> now{kClockUs};
  for (const std::string* dir : {&with.path(), &without.path()}) {
    Options options = ClockAt(&now);
    if (dir == &without.path()) options.rejection_retention = std::chrono::seconds(0);
    auto db = Ledger::Open(options, *dir);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->SubmitJsonBatch(Stream()).ok());
    ASSERT_TRUE((*db)->Close().ok());
  }
  EXPECT_EQ(Journal(with.path()).size(), 5u);
  EXPECT_TRUE(Journal(without.path()).empty());
  auto a = ReadDigest(with.path());
  auto b = ReadDigest(without.path());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(FormatDigest(*a), FormatDigest(*b));
  auto verified = VerifyLog(with.path(), VerifyOptions());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
  std::string export_a, export_b;
  ASSERT_TRUE(ExportLog(with.path(), ExportFormat::kJsonl, 1, a->seq,
                        [&](uint64_t, std::string_view t) {
                          export_a += t;
                          return absl::OkStatus();
                        }).ok());
  ASSERT_TRUE(ExportLog(without.path(), ExportFormat::kJsonl, 1, b->seq,
                        [&](uint64_t, std::string_view t) {
                          export_b += t;
                          return absl::OkStatus();
                        }).ok());
  EXPECT_EQ(export_a, export_b);
}

TEST(RefusalJournal, RetentionDropsRefusalsOlderThanItAsTheClockMoves) {
  TempDir dir;
  std::atomic<int64_t> now{kClockUs};
  Options options = ClockAt(&now);
  options.rejection_retention = std::chrono::hours(24);
  auto db = Ledger::Open(options, dir.path());
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->SubmitJson(Purchase("k1", "c1")).ok());
  ASSERT_TRUE((*db)->SubmitJson(Use("old-1", "c1", 500)).ok());
  ASSERT_TRUE((*db)->SubmitJson(Use("old-2", "c1", 500)).ok());
  now += int64_t{23} * 3600 * 1000000;  // 23 h later: still kept
  ASSERT_TRUE((*db)->SubmitJson(Use("mid", "c1", 500)).ok());
  ASSERT_TRUE((*db)->Close().ok());
  EXPECT_EQ(Journal(dir.path()).size(), 3u);

  now += int64_t{2} * 3600 * 1000000;  // 25 h after the first two
  db = Ledger::Open(options, dir.path());
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->SubmitJson(Use("new", "c1", 500)).ok());
  ASSERT_TRUE((*db)->Close().ok());
  std::vector<std::string> keys;
  for (const auto& r : Journal(dir.path())) keys.push_back(r.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"mid", "new"}));
}

TEST(RefusalJournal, ALedgerMadeBeforeTheJournalOpensAndGetsOne) {
  TempDir dir;
  {
    auto db = Ledger::Open(Options(), dir.path());
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->SubmitJson(Purchase("k1", "c1")).ok());
    ASSERT_TRUE((*db)->Close().ok());
  }
  {  // Take the family away, as a ledger of an earlier build lacks it.
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.path(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const std::string& n : names) families.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.path(), families, &handles, &raw).ok());
    for (rocksdb::ColumnFamilyHandle* h : handles) {
      if (h->GetName() == kRejectionsFamily) {
        ASSERT_TRUE(raw->DropColumnFamily(h).ok());
      }
    }
    for (rocksdb::ColumnFamilyHandle* h : handles) raw->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    delete raw;
  }
  // A reader finds no journal, and no error.
  EXPECT_TRUE(Journal(dir.path()).empty());
  auto verified = VerifyLog(dir.path(), VerifyOptions());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok);
  // The writer creates it, and records from then on.
  auto db = Ledger::Open(Options(), dir.path());
  ASSERT_TRUE(db.ok()) << db.status();
  auto r = (*db)->SubmitJson(Use("k2", "c1", 500));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, Outcome::kRejected);
  ASSERT_TRUE((*db)->Close().ok());
  ASSERT_EQ(Journal(dir.path()).size(), 1u);
}

TEST(RefusalJournal, AReopenedLedgerGoesOnWithoutOverwritingAnEarlierRefusal) {
  // The same clock reading after a reopen: keys must not collide.
  TempDir dir;
  std::atomic<int64_t> now{kClockUs};
  for (int round = 0; round < 2; ++round) {
    auto db = Ledger::Open(ClockAt(&now), dir.path());
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->SubmitJson(Use(absl::StrCat("u", round), "c9", 1)).ok());
    ASSERT_TRUE((*db)->Close().ok());
  }
  EXPECT_EQ(Journal(dir.path()).size(), 2u);
}

TEST(RefusalJournal, ARetentionOutOfRangeIsRefusedAtOpen) {
  TempDir dir;
  Options options;
  options.rejection_retention = std::chrono::seconds(-1);
  EXPECT_TRUE(absl::IsInvalidArgument(Ledger::Open(options, dir.path()).status()));
}

}  // namespace
}  // namespace ledger
