// Storage faults (docs/reliability.md, "Storage faults"): a RocksDB file
// system that fails a WAL append, tears a WAL append, fails a WAL sync, or
// fails a read, on command. On a failed write or sync the ledger must
// acknowledge nothing of the group, return the error and refuse further work
// until reopened; after reopening on a healthy disk the ledger must be
// consistent (replay passes) and hold every acknowledged command, and a
// group that was not acknowledged is there entirely or not at all.
#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/write_path/open_with_env.h"
#include "ledger/replay.h"
#include "ledger/time_util.h"
#include "tests/reliability/fault_fs.h"
#include "tests/reliability/reliability_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::BuyJson;
using testing::FaultInjector;
using testing::FaultPoint;
using testing::KeysInLog;
using testing::OutcomeName;
using testing::TempDir;
using testing::UseJson;

constexpr int kGroupThreads = 8;

const int64_t kLater = *ParseTimeUs("2026-03-09T00:00:00Z");

std::unique_ptr<Ledger> OpenOn(const std::string& dir, rocksdb::Env* env) {
  auto opened = OpenLedgerWithEnv(Options(), dir, env);
  EXPECT_TRUE(opened.ok()) << opened.status();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

void ExpectReplayPasses(const std::string& dir) {
  auto report = ReplayLedger(dir);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << "seq " << report->first_bad_seq << ": "
                          << report->problem;
}

// The commands of the failing group: kGroupThreads uses, submitted at once.
std::string GroupCommand(int i) {
  return UseJson(absl::StrCat("g", i), "c1", absl::StrCat("u", i), 10);
}

// Writes one accepted purchase (acknowledged, seq 1), arms `point`, submits
// kGroupThreads commands from as many threads, and checks that none of them
// is acknowledged and that the ledger then refuses writes and queries.
void FailAGroup(const std::string& dir, FaultPoint point) {
  FaultInjector faults;
  std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
  std::unique_ptr<Ledger> db = OpenOn(dir, env.get());
  ASSERT_NE(db, nullptr);
  auto first = db->SubmitJson(BuyJson("k1", "c1", "p1", 1000));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(OutcomeName(*first), "ACCEPTED");

  faults.Arm(point);
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kGroupThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = db->SubmitJson(GroupCommand(i));
      if (r.ok()) ++acknowledged;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(faults.injected(), 1) << "the fault was never hit";
  EXPECT_EQ(acknowledged.load(), 0)
      << "a command was acknowledged although its group failed";

  // Refuses further work, even once the disk is healthy again.
  faults.Disarm();
  auto after = db->SubmitJson(BuyJson("k2", "c1", "p2", 5));
  EXPECT_FALSE(after.ok()) << "a write was accepted after a failed "
                           << FaultPointName(point);
  auto batch = db->SubmitJsonBatch(std::vector<std::string>{
      BuyJson("k3", "c1", "p3", 5)});
  EXPECT_FALSE(batch.ok());
  auto balance = db->GetBalance("c1", kLater);
  EXPECT_FALSE(balance.ok()) << "a query was answered after a failed "
                             << FaultPointName(point);
  db.reset();
}

// After a reopen on a healthy disk: replay passes, the acknowledged purchase
// is there, the failed group is there entirely or not at all (returned), and
// the balance matches what the log holds.
bool CheckAfterReopen(const std::string& dir) {
  ExpectReplayPasses(dir);
  auto opened = Ledger::Open(Options(), dir);
  EXPECT_TRUE(opened.ok()) << opened.status();
  if (!opened.ok()) return false;
  Ledger& db = **opened;
  std::string error;
  auto keys = KeysInLog(db, &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(keys.count("k1"), 1u);
  EXPECT_EQ(keys.count("k2"), 0u) << "a refused command is in the log";
  EXPECT_EQ(keys.count("k3"), 0u) << "a refused command is in the log";
  int present = 0;
  for (int i = 0; i < kGroupThreads; ++i) {
    present += keys.count(absl::StrCat("g", i));
  }
  const bool group_durable = present > 0;
  auto balance = db.GetBalance("c1", kLater);
  EXPECT_TRUE(balance.ok()) << balance.status();
  if (balance.ok()) {
    EXPECT_EQ(balance->available, 1000 - 10 * present);
  }
  // Resubmitting a command that was not acknowledged is safe: it is either
  // accepted now or answered as the duplicate of what the disk kept.
  for (int i = 0; i < kGroupThreads; ++i) {
    auto r = db.SubmitJson(GroupCommand(i));
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) continue;
    const std::string key = absl::StrCat("g", i);
    if (keys.count(key)) {
      EXPECT_EQ(OutcomeName(*r), "DUPLICATE");
      EXPECT_EQ(r->seq, keys[key]);
    } else {
      EXPECT_EQ(OutcomeName(*r), "ACCEPTED");
    }
  }
  auto again = db.SubmitJson(BuyJson("k1", "c1", "p1", 1000));
  EXPECT_TRUE(again.ok() && again->outcome == Outcome::kDuplicate &&
              again->seq == 1);
  opened->reset();
  ExpectReplayPasses(dir);
  return group_durable;
}

TEST(StorageFaults, FailedWalAppendAcknowledgesNothingAndRefusesUntilReopen) {
  TempDir dir;
  FailAGroup(dir.path(), FaultPoint::kWalAppend);
  // Nothing of the group reached the file, so none of it may come back.
  EXPECT_FALSE(CheckAfterReopen(dir.path()));
}

TEST(StorageFaults, TornWalAppendLeavesNoHalfAppliedGroup) {
  TempDir dir;
  FailAGroup(dir.path(), FaultPoint::kWalTornAppend);
  // Half a record is in the file: recovery must drop it whole.
  EXPECT_FALSE(CheckAfterReopen(dir.path()));
}

TEST(StorageFaults, FailedWalSyncAcknowledgesNothingAndRefusesUntilReopen) {
  TempDir dir;
  FailAGroup(dir.path(), FaultPoint::kWalSync);
  // The bytes reached the OS before the sync failed, so the group may come
  // back after a reopen; CheckAfterReopen requires all of it or none of it.
  const bool durable = CheckAfterReopen(dir.path());
  std::cout << "[ info ] after a failed WAL sync the unacknowledged group was "
            << (durable ? "found on reopen" : "not found on reopen") << "\n";
}

// A ledger whose data sit in SST files: written, closed, and reopened once
// (recovery flushes the WAL into a table file).
void WriteAndSettle(const std::string& dir) {
  {
    auto db = Ledger::Open(Options(), dir);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_EQ(OutcomeName(*(*db)->SubmitJson(BuyJson("k1", "c1", "p1", 1000))),
              "ACCEPTED");
    ASSERT_EQ(OutcomeName(*(*db)->SubmitJson(UseJson("k2", "c1", "u1", 60))),
              "ACCEPTED");
  }
  auto db = Ledger::Open(Options(), dir);
  ASSERT_TRUE(db.ok()) << db.status();
}

TEST(StorageFaults, FailedReadAtOpenIsAnErrorNotAnEmptyLedger) {
  TempDir dir;
  WriteAndSettle(dir.path());
  FaultInjector faults;
  std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
  faults.Arm(FaultPoint::kAnyRead);
  auto opened = OpenLedgerWithEnv(Options(), dir.path(), env.get());
  EXPECT_FALSE(opened.ok()) << "open succeeded although every read failed";
  EXPECT_GE(faults.injected(), 1);
  faults.Arm(FaultPoint::kTableRead);
  opened = OpenLedgerWithEnv(Options(), dir.path(), env.get());
  EXPECT_FALSE(opened.ok()) << "open succeeded although table reads failed";
  faults.Disarm();
  ExpectReplayPasses(dir.path());
  auto healthy = Ledger::Open(Options(), dir.path());
  ASSERT_TRUE(healthy.ok()) << healthy.status();
  auto balance = (*healthy)->GetBalance("c1", kLater);
  ASSERT_TRUE(balance.ok());
  EXPECT_EQ(balance->available, 940);
}

TEST(StorageFaults, FailedReadOfAnIdempotencyRecordIsAnErrorNotANewCommand) {
  TempDir dir;
  WriteAndSettle(dir.path());
  FaultInjector faults;
  std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
  std::unique_ptr<Ledger> db = OpenOn(dir.path(), env.get());
  ASSERT_NE(db, nullptr);
  // A repeated key makes the ledger read the first command's fingerprint
  // from disk; that read fails.
  faults.Arm(FaultPoint::kTableRead);
  auto r = db->SubmitJson(BuyJson("k1", "c1", "p1", 1000));
  faults.Disarm();
  EXPECT_GE(faults.injected(), 1) << "the duplicate check read no table";
  EXPECT_FALSE(r.ok()) << "answered " << (r.ok() ? OutcomeName(*r) : "")
                       << " without being able to read the key's record";
  db.reset();
  ExpectReplayPasses(dir.path());
  auto healthy = Ledger::Open(Options(), dir.path());
  ASSERT_TRUE(healthy.ok()) << healthy.status();
  auto again = (*healthy)->SubmitJson(BuyJson("k1", "c1", "p1", 1000));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(OutcomeName(*again), "DUPLICATE");
  EXPECT_EQ(again->seq, 1u);
  EXPECT_EQ((*healthy)->LastSeq(), 2u);
}

TEST(StorageFaults, FailedReadWhileReadingEventsIsReportedNotTruncated) {
  TempDir dir;
  WriteAndSettle(dir.path());
  FaultInjector faults;
  std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
  std::unique_ptr<Ledger> db = OpenOn(dir.path(), env.get());
  ASSERT_NE(db, nullptr);
  faults.Arm(FaultPoint::kTableRead);
  int seen = 0;
  absl::Status s = db->ReadEvents(1, [&](const v1::Event&) {
    ++seen;
    return true;
  });
  faults.Disarm();
  EXPECT_GE(faults.injected(), 1);
  EXPECT_FALSE(s.ok()) << "ReadEvents saw " << seen
                       << " events and reported success";
  seen = 0;
  s = db->ReadEvents(1, [&](const v1::Event&) {
    ++seen;
    return true;
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(seen, 2);
}

// What the in-memory sequence says after a failed group: it must not name
// commands that were never acknowledged (it did before commit 676932f).
TEST(StorageFaults,
     LastSeqAfterAFailedWriteDoesNotClaimTheUnwrittenGroup) {
  TempDir dir;
  FaultInjector faults;
  std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
  std::unique_ptr<Ledger> db = OpenOn(dir.path(), env.get());
  ASSERT_NE(db, nullptr);
  ASSERT_EQ(OutcomeName(*db->SubmitJson(BuyJson("k1", "c1", "p1", 1000))),
            "ACCEPTED");
  faults.Arm(FaultPoint::kWalAppend);
  EXPECT_FALSE(db->SubmitJson(UseJson("k2", "c1", "u1", 60)).ok());
  faults.Disarm();
  EXPECT_EQ(db->LastSeq(), 1u)
      << "LastSeq() names a command that was not acknowledged";
}

}  // namespace
}  // namespace ledger
