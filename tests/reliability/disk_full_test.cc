// A full disk (docs/reliability.md, "A full disk"): wherever RocksDB runs
// out of space (a WAL append, a WAL sync, a memtable flush, a compaction,
// the MANIFEST), a write gets the disk-full Unavailable instead of a crash,
// queries keep answering, nothing acknowledged is lost, and writes are
// taken again once there is room, without a reopen. The same failure is
// injected at each point through the fault file system (fault_fs.h), with
// RocksDB's NoSpace status, as ENOSPC gives it; the real thing, a full
// tmpfs, is tests/tools/apply_disk_full_test.cc and the service's
// test_disk_full.py.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/time_util.h"
#include "ledger/write_path/open_with_env.h"
#include "tests/reliability/fault_fs.h"
#include "tests/reliability/reliability_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::BuyJson;
using testing::FaultInjector;
using testing::KeysInLog;
using testing::NoSpacePoint;
using testing::NoSpacePointName;
using testing::OutcomeName;
using testing::TempDir;

const int64_t kLater = *ParseTimeUs("2026-03-09T00:00:00Z");

// Memtables of 32 KiB: a flush every few dozen commands, and a compaction
// once a family has 4 table files, so every point is reached in well
// under a second.
constexpr StoreTuning kSmallMemtables{.write_buffer_bytes = 32 << 10};
constexpr int kBatchCommands = 20;
// Bound on the batches written before the disk must have "filled".
constexpr int kMaxBatches = 500;

Options NoFloor() {
  Options options;
  options.min_free_disk_bytes = 0;  // only the injected failures refuse
  return options;
}

std::string Buy(int n) {
  return BuyJson(absl::StrCat("k", n), absl::StrCat("c", n % 40),
                 absl::StrCat("p", n), 10);
}

class DiskFull : public ::testing::TestWithParam<NoSpacePoint> {};

TEST_P(DiskFull, RefusesWritesKeepsReadsAndTakesWritesAgainOnceThereIsRoom) {
  const NoSpacePoint point = GetParam();
  TempDir dir;
  FaultInjector faults;
  std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
  auto opened = OpenLedgerWithEnv(NoFloor(), dir.path(), env.get(),
                                  kSmallMemtables);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Ledger& db = **opened;
  auto first = db.SubmitJson(Buy(0));
  ASSERT_TRUE(first.ok()) << first.status();
  std::set<std::string> acknowledged = {"k0"};

  faults.ArmNoSpace(point);
  absl::Status refused;
  int next = 1;
  for (int batch = 0; batch < kMaxBatches && refused.ok(); ++batch) {
    std::vector<std::string> lines;
    std::vector<std::string> keys;
    for (int i = 0; i < kBatchCommands; ++i, ++next) {
      lines.push_back(Buy(next));
      keys.push_back(absl::StrCat("k", next));
    }
    auto results = db.SubmitJsonBatch(lines);
    if (!results.ok()) {
      refused = results.status();
      break;
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      ASSERT_EQ(OutcomeName((*results)[i]), "ACCEPTED") << keys[i];
      acknowledged.insert(keys[i]);
    }
  }
  ASSERT_FALSE(refused.ok()) << "no write was refused with the disk full at "
                             << NoSpacePointName(point);
  EXPECT_GE(faults.no_space_injected(), 1);
  EXPECT_TRUE(IsDiskFull(refused)) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("is full"));
  EXPECT_THAT(std::string(refused.message()), HasSubstr(dir.path()));

  // Queries keep answering, from what is durable.
  auto balance = db.GetBalance("c0", kLater);
  EXPECT_TRUE(balance.ok()) << balance.status();
  std::string error;
  std::map<std::string, uint64_t> in_log = KeysInLog(db, &error);
  EXPECT_EQ(error, "");
  for (const std::string& key : acknowledged) {
    EXPECT_EQ(in_log.count(key), 1u) << key << " was acknowledged";
  }
  EXPECT_EQ(db.LastSeq(), acknowledged.size());

  // Room again: the next write resumes the store, with no reopen.
  faults.DisarmNoSpace();
  auto after = db.SubmitJson(BuyJson("k-after", "c0", "p-after", 5));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(OutcomeName(*after), "ACCEPTED");
  EXPECT_EQ(after->seq, acknowledged.size() + 1);
  EXPECT_TRUE(db.CheckWritable().ok());
  acknowledged.insert("k-after");
  EXPECT_TRUE(db.Close().ok());
  opened->reset();

  // Reopened: everything acknowledged, nothing else, and replay passes.
  auto report = ReplayLedger(dir.path());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
  auto reopened = Ledger::Open(NoFloor(), dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  in_log = KeysInLog(**reopened, &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(in_log.size(), acknowledged.size());
  for (const std::string& key : acknowledged) {
    EXPECT_EQ(in_log.count(key), 1u) << key << " was acknowledged";
  }
}

INSTANTIATE_TEST_SUITE_P(
    AtEachPoint, DiskFull,
    ::testing::Values(NoSpacePoint::kWalAppend, NoSpacePoint::kWalSync,
                      NoSpacePoint::kFlushWrite,
                      NoSpacePoint::kCompactionWrite,
                      NoSpacePoint::kManifestWrite),
    [](const ::testing::TestParamInfo<NoSpacePoint>& info) {
      switch (info.param) {
        case NoSpacePoint::kWalAppend: return std::string("WalAppend");
        case NoSpacePoint::kWalSync: return std::string("WalSync");
        case NoSpacePoint::kFlushWrite: return std::string("Flush");
        case NoSpacePoint::kCompactionWrite: return std::string("Compaction");
        case NoSpacePoint::kManifestWrite: return std::string("Manifest");
        case NoSpacePoint::kNone: break;
      }
      return std::string("None");
    });

TEST(DiskFloor, UnderTheFloorAWriteIsRefusedBeforeAnyOfItIsJudged) {
  TempDir dir;
  {
    auto db = Ledger::Open(NoFloor(), dir.path());
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->SubmitJson(Buy(0)).ok());
  }
  // A floor no disk here can meet: every write is under it.
  Options options;
  options.min_free_disk_bytes = uint64_t{1} << 62;
  auto db = Ledger::Open(options, dir.path());
  ASSERT_TRUE(db.ok()) << db.status() << " (opening is not writing)";
  auto refused = (*db)->SubmitJson(Buy(1));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(IsDiskFull(refused.status())) << refused.status();
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("floor"));
  auto batch = (*db)->SubmitJsonBatch(std::vector<std::string>{Buy(2)});
  EXPECT_TRUE(!batch.ok() && IsDiskFull(batch.status()));
  EXPECT_TRUE(IsDiskFull((*db)->CheckWritable()));
  EXPECT_EQ((*db)->LastSeq(), 1u);
  EXPECT_TRUE((*db)->GetBalance("c0", kLater).ok());
  // The duplicate of an acknowledged command is refused too: the floor is
  // checked before any command of the group is judged.
  auto duplicate = (*db)->SubmitJson(Buy(0));
  EXPECT_TRUE(!duplicate.ok() && IsDiskFull(duplicate.status()));
}

TEST(DiskFloor, AnotherErrorIsNotTakenForAFullDisk) {
  EXPECT_FALSE(IsDiskFull(absl::UnavailableError("the disk is full")));
  EXPECT_FALSE(IsDiskFull(absl::OkStatus()));
}

}  // namespace
}  // namespace ledger
