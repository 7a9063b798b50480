// Queries while a group is being written (ledger/write_path/group_commit.cc,
// WriteJudged): a balance the group does not change is answered during its
// sync; one it changes, or any balance while a set_policy is written, waits
// for the sync and shows the command only once it is on disk, or the error
// when the sync fails. WAL syncs are held at the fault file system's gate.
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/write_path/open_with_env.h"
#include "ledger/time_util.h"
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
using testing::OutcomeName;
using testing::TempDir;
using testing::UseJson;
using testing::WaitUntil;

const int64_t kLater = *ParseTimeUs("2026-03-09T00:00:00Z");

// A ledger on the fault file system with c1 (1000 credits) and c2 (500).
struct GatedLedger {
  FaultInjector faults;
  std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
  TempDir dir;
  std::unique_ptr<Ledger> db;

  // `cache_customers`: Options::state_cache_customers.
  explicit GatedLedger(size_t cache_customers = Options().state_cache_customers) {
    Options options;
    options.state_cache_customers = cache_customers;
    auto opened = OpenLedgerWithEnv(options, dir.path(), env.get());
    EXPECT_TRUE(opened.ok()) << opened.status();
    if (!opened.ok()) return;
    db = std::move(opened).value();
    for (const std::string& json :
         {BuyJson("k1", "c1", "p1", 1000), BuyJson("k2", "c2", "p1", 500)}) {
      auto r = db->SubmitJson(json);
      EXPECT_TRUE(r.ok() && OutcomeName(*r) == "ACCEPTED") << json;
    }
  }

  // Submits `json` on its own thread and returns once its group's sync
  // waits at the closed gate.
  std::future<absl::StatusOr<SubmitResult>> SubmitHeldAtTheGate(std::string json) {
    faults.CloseSyncGate();
    auto submitted = std::async(std::launch::async,
                                [this, json] { return db->SubmitJson(json); });
    WaitUntil([&] { return faults.SyncsAtGate() > 0; }, absl::Seconds(10));
    EXPECT_EQ(faults.SyncsAtGate(), 1) << "the group never reached its sync";
    return submitted;
  }

  std::future<absl::StatusOr<Balance>> BalanceOf(std::string customer) {
    return std::async(std::launch::async, [this, customer] {
      return db->GetBalance(customer, kLater);
    });
  }
};

void UntouchedDuringTheSyncTouchedAfterIt(size_t cache_customers) {
  GatedLedger ledger(cache_customers);
  ASSERT_NE(ledger.db, nullptr);
  auto use = ledger.SubmitHeldAtTheGate(UseJson("k3", "c1", "u1", 100));

  // EXPECT, not ASSERT, until the gate is open: returning with a thread
  // held at it would hang the test instead of failing it.
  auto untouched = ledger.BalanceOf("c2");
  EXPECT_EQ(untouched.wait_for(seconds(10)), std::future_status::ready)
      << "a query of another customer waited for the sync";

  auto touched = ledger.BalanceOf("c1");
  EXPECT_EQ(touched.wait_for(milliseconds(300)), std::future_status::timeout)
      << "the balance of c1 was answered before its use was on disk";
  EXPECT_EQ(ledger.db->LastSeq(), 2u) << "seq 3 is not durable yet";

  ledger.faults.OpenSyncGate();
  absl::StatusOr<Balance> other = untouched.get();
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->available, 500);
  absl::StatusOr<SubmitResult> accepted = use.get();
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->seq, 3u);
  absl::StatusOr<Balance> after = touched.get();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->available, 900);
  EXPECT_EQ(ledger.db->LastSeq(), 3u);
}

TEST(QueriesDuringAWrite, AnUntouchedCustomerIsAnsweredDuringTheSyncATouchedOneAfterIt) {
  UntouchedDuringTheSyncTouchedAfterIt(Options().state_cache_customers);
}

// With no customer cached between groups, c2 is read from the store during
// the sync, and c1, which the group being written changed, stays in memory
// until the group is on disk, so its query still waits.
TEST(QueriesDuringAWrite, WithNoCustomerCachedTheSameHolds) {
  UntouchedDuringTheSyncTouchedAfterIt(0);
}

TEST(QueriesDuringAWrite, ASetPolicyBeingWrittenHoldsEveryBalance) {
  GatedLedger ledger;
  ASSERT_NE(ledger.db, nullptr);
  auto policy = ledger.SubmitHeldAtTheGate(
      R"({"key":"k3","at":"2026-03-08T12:00:00Z","set_policy":{"version":"v2",)"
      R"("refund_window_hours":24,"inquiry_window_hours":24}})");
  auto c2 = ledger.BalanceOf("c2");
  EXPECT_EQ(c2.wait_for(milliseconds(300)), std::future_status::timeout)
      << "a balance was answered while a policy change was not on disk";
  ledger.faults.OpenSyncGate();
  ASSERT_TRUE(policy.get().ok());
  ASSERT_TRUE(c2.get().ok());
}

TEST(QueriesDuringAWrite, AQueryWaitingForAFailedSyncGetsTheErrorNotTheBalance) {
  GatedLedger ledger;
  ASSERT_NE(ledger.db, nullptr);
  ledger.faults.Arm(FaultPoint::kWalSync);
  auto use = ledger.SubmitHeldAtTheGate(UseJson("k3", "c1", "u1", 100));
  auto touched = ledger.BalanceOf("c1");
  EXPECT_EQ(touched.wait_for(milliseconds(300)), std::future_status::timeout);
  ledger.faults.OpenSyncGate();
  EXPECT_FALSE(use.get().ok()) << "a command whose sync failed was acknowledged";
  absl::StatusOr<Balance> balance = touched.get();
  EXPECT_FALSE(balance.ok()) << "answered " << balance->available
                             << " from a state that is not on disk";
  ledger.faults.Disarm();
}

}  // namespace
}  // namespace ledger
