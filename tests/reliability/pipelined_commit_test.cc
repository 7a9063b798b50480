// The pipelined group commit (ledger/write_path/ledger_impl.h): the next
// group is judged while the previous one syncs, on the state that group
// left, but no answer of it precedes its own sync, and a failed sync fails
// its group and every group judged after it; none of those is written.
// WAL syncs are held at the fault file system's gate.
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/command_json.h"
#include "ledger/ledger.h"
#include "ledger/write_path/ledger_impl.h"
#include "ledger/write_path/open_with_env.h"
#include "tests/reliability/fault_fs.h"
#include "tests/reliability/reliability_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::BuyJson;
using testing::FaultInjector;
using testing::FaultPoint;
using testing::KeysInLog;
using testing::NoSpacePoint;
using testing::OutcomeName;
using testing::TempDir;
using testing::UseJson;
using testing::WaitUntil;

using Results = absl::StatusOr<std::vector<SubmitResult>>;

LedgerImpl& Impl(Ledger& ledger) { return dynamic_cast<LedgerImpl&>(ledger); }

// A ledger on the fault file system with c1 (1000 credits) and c2 (500),
// whose first group (a use of 100 by c1, key k3) is held at the closed
// sync gate and whose second group was judged meanwhile and waits.
struct TwoGroupsInFlight {
  FaultInjector faults;
  std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
  TempDir dir;
  std::unique_ptr<Ledger> db;
  std::future<Results> first;
  std::future<Results> second;
  // The calls of each group written (Options::on_group_committed).
  std::mutex groups_mu;
  std::vector<size_t> group_calls;

  // `second`: the commands of the second group; `options`: the ledger's,
  // but for the report of each group, which the fixture takes.
  void Start(std::vector<std::string> second_group,
             Options options = Options()) {
    options.on_group_committed = [this](const CommitStats& stats) {
      std::lock_guard<std::mutex> lock(groups_mu);
      group_calls.push_back(stats.calls);
    };
    auto opened = OpenLedgerWithEnv(options, dir.path(), env.get());
    ASSERT_TRUE(opened.ok()) << opened.status();
    db = std::move(opened).value();
    for (const std::string& json :
         {BuyJson("k1", "c1", "p1", 1000), BuyJson("k2", "c2", "p1", 500)}) {
      auto r = db->SubmitJson(json);
      ASSERT_TRUE(r.ok() && OutcomeName(*r) == "ACCEPTED") << json;
    }
    faults.CloseSyncGate();
    first = std::async(std::launch::async, [this] {
      std::vector<std::string> lines{UseJson("k3", "c1", "u1", 100)};
      return db->SubmitJsonBatch(lines);
    });
    WaitUntil([&] { return faults.SyncsAtGate() == 1; }, absl::Seconds(10));
    EXPECT_EQ(faults.SyncsAtGate(), 1) << "the first group never reached its sync";
    second = std::async(std::launch::async, [this, second_group] {
      return db->SubmitJsonBatch(second_group);
    });
    // The second group takes its turn once judged: two groups in flight,
    // one sync at the gate.
    WaitUntil([&] { return Impl(*db).GroupsInFlightForTest() == 2; },
              absl::Seconds(10));
    EXPECT_EQ(Impl(*db).GroupsInFlightForTest(), 2u)
        << "the second group was not judged while the first one synced";
    EXPECT_EQ(faults.SyncsAtGate(), 1);
  }
};

TEST(PipelinedCommit, TheNextGroupIsJudgedDuringASyncAndAnsweredOnlyAfterItsOwn) {
  TwoGroupsInFlight t;
  // A use of c2; k3 again (the first group's, not on disk yet: a
  // duplicate); a use of 950 by c1, which holds 900 once k3 is applied.
  t.Start({UseJson("k4", "c2", "u1", 50), UseJson("k3", "c1", "u1", 100),
           UseJson("k5", "c1", "u2", 950)});
  ASSERT_NE(t.db, nullptr);
  // EXPECT, not ASSERT, while syncs are held: returning with a thread at
  // the gate would hang the test instead of failing it.
  EXPECT_EQ(t.second.wait_for(milliseconds(300)), std::future_status::timeout)
      << "the second group was answered before the first one's sync";
  EXPECT_EQ(t.db->LastSeq(), 2u);

  // The first group's sync passes; the second's reaches the gate.
  t.faults.LetSyncsThrough(1);
  EXPECT_EQ(t.first.wait_for(seconds(10)), std::future_status::ready);
  WaitUntil([&] { return t.faults.SyncsAtGate() == 1; }, absl::Seconds(10));
  EXPECT_EQ(t.faults.SyncsAtGate(), 1) << "the second group never reached its sync";
  EXPECT_EQ(t.second.wait_for(milliseconds(300)), std::future_status::timeout)
      << "the second group was answered before its own sync";
  EXPECT_EQ(t.db->LastSeq(), 3u);

  t.faults.OpenSyncGate();
  Results first = t.first.get();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].seq, 3u);
  Results second = t.second.get();
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->size(), 3u);
  EXPECT_EQ(OutcomeName((*second)[0]), "ACCEPTED");
  EXPECT_EQ((*second)[0].seq, 4u);
  EXPECT_EQ((*second)[1].outcome, Outcome::kDuplicate);
  EXPECT_EQ((*second)[1].seq, 3u);
  EXPECT_EQ((*second)[2].outcome, Outcome::kRejected);
  EXPECT_EQ((*second)[2].code, v1::INSUFFICIENT_CREDITS);
  EXPECT_EQ(t.db->LastSeq(), 4u);
  absl::StatusOr<Balance> c1 = t.db->GetBalance("c1", 0);
  ASSERT_TRUE(c1.ok()) << c1.status();
  EXPECT_EQ(c1->available, 900);
}

TEST(PipelinedCommit, WritersQueuedDuringASyncJoinTheGroupJudgedMeanwhile) {
  TwoGroupsInFlight t;
  t.Start({UseJson("k4", "c2", "u1", 50)});
  ASSERT_NE(t.db, nullptr);
  // Two more calls queue while the first group still syncs: the group
  // judged meanwhile takes them in, so three calls share one sync.
  auto third = std::async(std::launch::async, [&] {
    return t.db->SubmitJson(UseJson("k5", "c2", "u2", 10));
  });
  auto fourth = std::async(std::launch::async, [&] {
    return t.db->SubmitJson(UseJson("k6", "c1", "u3", 10));
  });
  EXPECT_EQ(third.wait_for(milliseconds(300)), std::future_status::timeout);
  EXPECT_EQ(fourth.wait_for(milliseconds(100)), std::future_status::timeout);
  EXPECT_EQ(Impl(*t.db).GroupsInFlightForTest(), 2u);
  t.faults.OpenSyncGate();
  ASSERT_TRUE(t.first.get().ok());
  Results second = t.second.get();
  ASSERT_TRUE(second.ok()) << second.status();
  auto r3 = third.get();
  auto r4 = fourth.get();
  ASSERT_TRUE(r3.ok() && r4.ok());
  EXPECT_EQ(OutcomeName(*r3), "ACCEPTED");
  EXPECT_EQ(OutcomeName(*r4), "ACCEPTED");
  EXPECT_EQ(t.db->LastSeq(), 6u);
  std::lock_guard<std::mutex> lock(t.groups_mu);
  // The two purchases, the first group, then one group of three calls.
  EXPECT_EQ(t.group_calls, (std::vector<size_t>{1, 1, 1, 3}));
}

TEST(PipelinedCommit, AFailedSyncFailsItsGroupAndEveryGroupJudgedAfterIt) {
  TwoGroupsInFlight t;
  t.Start({UseJson("k4", "c2", "u1", 50), UseJson("k3", "c1", "u1", 100)});
  ASSERT_NE(t.db, nullptr);
  t.faults.Arm(FaultPoint::kWalSync);
  t.faults.OpenSyncGate();
  Results first = t.first.get();
  EXPECT_TRUE(absl::IsFailedPrecondition(first.status())) << first.status();
  EXPECT_GE(t.faults.injected(), 1) << "the fault was never hit";
  // The second group (a duplicate of the failed k3 among its answers) is
  // failed, not answered.
  Results second = t.second.get();
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  t.faults.Disarm();
  // Nothing later is acknowledged either.
  auto later = t.db->SubmitJson(UseJson("k6", "c2", "u2", 1));
  EXPECT_TRUE(absl::IsFailedPrecondition(later.status())) << later.status();
  EXPECT_EQ(t.db->LastSeq(), 2u);

  absl::Status closed = t.db->Close();
  (void)closed;  // whatever flushing a failed store returns
  t.db.reset();
  auto reopened = Ledger::Open(Options(), t.dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  std::string error;
  std::map<std::string, uint64_t> keys = KeysInLog(**reopened, &error);
  EXPECT_EQ(error, "");
  // The second group was never written; the first one's write may have
  // reached the disk before its sync failed, unacknowledged.
  EXPECT_EQ(keys.count("k4"), 0u) << "a group judged after a failed sync was written";
  EXPECT_EQ(keys.count("k6"), 0u);
  EXPECT_EQ(keys.count("k1") + keys.count("k2"), 2u);
}

TEST(PipelinedCommit, ASyncThatFindsTheDiskFullFailsTheGroupJudgedOnItAndLeavesNoTrace) {
  Options no_floor;
  no_floor.min_free_disk_bytes = 0;  // only the injected failure refuses
  TwoGroupsInFlight t;
  // k3 again (the first group's: a duplicate while it is in flight) and a
  // use of c2.
  t.Start({UseJson("k3", "c1", "u1", 100), UseJson("k4", "c2", "u1", 50)},
          no_floor);
  ASSERT_NE(t.db, nullptr);
  t.faults.ArmNoSpace(NoSpacePoint::kWalSync);
  t.faults.OpenSyncGate();
  Results first = t.first.get();
  EXPECT_TRUE(IsDiskFull(first.status())) << first.status();
  // The second group was judged on the first one's state: it fails with
  // it, unwritten, and its duplicate of k3 is never answered.
  Results second = t.second.get();
  EXPECT_TRUE(IsDiskFull(second.status())) << second.status();
  EXPECT_EQ(t.db->LastSeq(), 2u);
  absl::StatusOr<Balance> c1 = t.db->GetBalance("c1", 0);
  ASSERT_TRUE(c1.ok()) << c1.status();
  EXPECT_EQ(c1->available, 1000) << "the failed group's use is still counted";

  // Room again: neither group left a trace, so both keys are new.
  t.faults.DisarmNoSpace();
  auto k3 = t.db->SubmitJson(UseJson("k3", "c1", "u1", 100));
  ASSERT_TRUE(k3.ok()) << k3.status();
  EXPECT_EQ(OutcomeName(*k3), "ACCEPTED");
  EXPECT_EQ(k3->seq, 3u);
  auto k4 = t.db->SubmitJson(UseJson("k4", "c2", "u1", 50));
  ASSERT_TRUE(k4.ok()) << k4.status();
  EXPECT_EQ(OutcomeName(*k4), "ACCEPTED");
  EXPECT_EQ(k4->seq, 4u);
  EXPECT_TRUE(t.db->Close().ok());
}

TEST(PipelinedCommit, CloseWaitsForEveryGroupInFlightAndEachIsAnsweredAndDurable) {
  TwoGroupsInFlight t;
  t.Start({UseJson("k4", "c2", "u1", 50)});
  ASSERT_NE(t.db, nullptr);
  auto closed = std::async(std::launch::async, [&] { return t.db->Close(); });
  EXPECT_EQ(closed.wait_for(milliseconds(300)), std::future_status::timeout)
      << "Close returned with two groups in flight";
  t.faults.OpenSyncGate();
  EXPECT_TRUE(closed.get().ok());
  Results first = t.first.get();
  ASSERT_TRUE(first.ok()) << first.status();
  Results second = t.second.get();
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ(OutcomeName((*second)[0]), "ACCEPTED");
  t.db.reset();
  auto reopened = Ledger::Open(Options(), t.dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->LastSeq(), 4u);
}

TEST(PipelinedCommit, APositionedCallNotAboveOneInFlightIsRefusedAndThePositionNeverGoesBack) {
  TwoGroupsInFlight t;
  t.Start({UseJson("k4", "c2", "u1", 50)});
  ASSERT_NE(t.db, nullptr);
  // Both calls pass the check against the durable position (none yet)
  // and queue while the first group syncs: the one judged second, below
  // the first, is refused rather than storing a position that goes back.
  auto ten = std::async(std::launch::async,
                        [&] { return t.db->SubmitBatchAt({}, {}, 10); });
  EXPECT_EQ(ten.wait_for(milliseconds(200)), std::future_status::timeout);
  auto seven = std::async(std::launch::async,
                          [&] { return t.db->SubmitBatchAt({}, {}, 7); });
  EXPECT_EQ(seven.wait_for(milliseconds(200)), std::future_status::timeout);
  t.faults.OpenSyncGate();
  EXPECT_TRUE(ten.get().ok());
  Results refused = seven.get();
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  EXPECT_EQ(t.db->AppliedPosition(), 10u);
  ASSERT_TRUE(t.first.get().ok());
  ASSERT_TRUE(t.second.get().ok());
  EXPECT_TRUE(t.db->Close().ok());
  t.db.reset();
  auto reopened = Ledger::Open(Options(), t.dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->AppliedPosition(), 10u);
}

// One caller overlapping its own calls (SubmitBatchInOrder): its next call,
// made once the first holds its place, is judged behind it while the
// first syncs, and each is answered after its own sync.
TEST(PipelinedCommit, ACallMadeOnceTheOneBeforeIsQueuedIsJudgedBehindItWhileItSyncs) {
  FaultInjector faults;
  std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
  TempDir dir;
  auto opened = OpenLedgerWithEnv(Options(), dir.path(), env.get());
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<Ledger> db = std::move(opened).value();
  // The use needs the purchase: it is judged after it, as the first
  // call's `queued` promised, and while that purchase still syncs.
  CommandFromJson use = ReadCommandJson(UseJson("k2", "c1", "u1", 400));
  ASSERT_TRUE(use.command.has_value());
  const std::vector<v1::Command> uses{*use.command};
  faults.CloseSyncGate();
  std::promise<void> first_queued;
  auto first = std::async(std::launch::async, [&] {
    std::vector<std::string> lines{BuyJson("k1", "c1", "p1", 1000)};
    return db->SubmitJsonBatchInOrder(lines, [&] { first_queued.set_value(); });
  });
  if (first_queued.get_future().wait_for(seconds(10)) !=
      std::future_status::ready) {
    // Not an ASSERT with the sync held: the first call would never return.
    faults.OpenSyncGate();
    FAIL() << "the first call never said it was queued";
  }
  // Queued is not yet taken: a call made now may join the first's group,
  // which the promise allows. Once the first group is at its sync, the
  // second call can only be judged in a group of its own.
  WaitUntil([&] { return faults.SyncsAtGate() == 1; }, absl::Seconds(10));
  EXPECT_EQ(faults.SyncsAtGate(), 1) << "the first group never reached its sync";
  bool second_queued = false;
  auto second = std::async(std::launch::async, [&] {
    return db->SubmitBatchInOrder(uses, [&] { second_queued = true; });
  });
  WaitUntil([&] { return Impl(*db).GroupsInFlightForTest() == 2; },
            absl::Seconds(10));
  EXPECT_EQ(Impl(*db).GroupsInFlightForTest(), 2u)
      << "the second call was not judged while the first one synced";
  EXPECT_EQ(faults.SyncsAtGate(), 1);
  EXPECT_EQ(second.wait_for(milliseconds(100)), std::future_status::timeout)
      << "the second call was answered before the first one's sync";
  faults.OpenSyncGate();
  Results bought = first.get();
  ASSERT_TRUE(bought.ok()) << bought.status();
  ASSERT_EQ(bought->size(), 1u);
  EXPECT_EQ((*bought)[0].seq, 1u);
  Results used = second.get();
  ASSERT_TRUE(used.ok()) << used.status();
  ASSERT_EQ(used->size(), 1u);
  EXPECT_EQ(OutcomeName((*used)[0]), "ACCEPTED");
  EXPECT_EQ((*used)[0].seq, 2u);
  EXPECT_TRUE(second_queued);
  // A call refused before it queues never calls `queued`.
  std::vector<std::string> too_many(Options().max_batch_commands + 1,
                                    UseJson("k5", "c1", "u4", 1));
  bool over_queued = false;
  Results over = db->SubmitJsonBatchInOrder(too_many, [&] { over_queued = true; });
  EXPECT_TRUE(absl::IsInvalidArgument(over.status())) << over.status();
  EXPECT_FALSE(over_queued);
  EXPECT_TRUE(db->Close().ok());
}

// A customer's first command of a group writes its entities at once, its
// later commands' changes are written at the end of the group: a ledger
// that keeps no customer between groups reads back, from the store, the
// state the whole group left.
TEST(PipelinedCommit, ACustomersLaterCommandsInAGroupAreStoredAsTheGroupLeavesThem) {
  TempDir dir;
  Options options;
  options.state_cache_customers = 0;
  auto opened = Ledger::Open(options, dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<Ledger> db = std::move(opened).value();
  std::vector<std::string> group{
      BuyJson("k1", "c1", "p1", 1000), UseJson("k2", "c1", "u1", 100),
      BuyJson("k3", "c2", "p1", 500), UseJson("k4", "c1", "u2", 200),
      BuyJson("k5", "c1", "p2", 50, "2026-03-08T11:30:00Z"),
      UseJson("k6", "c2", "u1", 20)};
  Results first = db->SubmitJsonBatch(group);
  ASSERT_TRUE(first.ok()) << first.status();
  for (const SubmitResult& r : *first) EXPECT_EQ(OutcomeName(r), "ACCEPTED") << r.key.value_or("");
  absl::StatusOr<Balance> c1 = db->GetBalance("c1", 0);
  ASSERT_TRUE(c1.ok()) << c1.status();
  EXPECT_EQ(c1->available, 750);
  EXPECT_EQ(c1->lots.size(), 2u);
  // Judged on the lots as stored: one credit too many is refused, all of
  // them are taken, and a usage id of the earlier group is known.
  const std::string noon = "2026-03-08T12:00:00Z";
  std::vector<std::string> second{UseJson("k7", "c1", "u3", 751, noon),
                                  UseJson("k8", "c1", "u2", 1, noon),
                                  UseJson("k9", "c1", "u3", 750, noon)};
  Results later = db->SubmitJsonBatch(second);
  ASSERT_TRUE(later.ok()) << later.status();
  ASSERT_EQ(later->size(), 3u);
  EXPECT_EQ((*later)[0].code, v1::INSUFFICIENT_CREDITS);
  EXPECT_EQ((*later)[1].code, v1::DUPLICATE_ID);
  EXPECT_EQ(OutcomeName((*later)[2]), "ACCEPTED");
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  auto reopened = Ledger::Open(options, dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  absl::StatusOr<Balance> again = (*reopened)->GetBalance("c1", 0);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->available, 0);
  absl::StatusOr<Balance> c2 = (*reopened)->GetBalance("c2", 0);
  ASSERT_TRUE(c2.ok()) << c2.status();
  EXPECT_EQ(c2->available, 480);
}

}  // namespace
}  // namespace ledger
