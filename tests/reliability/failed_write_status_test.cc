// After a failed write the ledger is stopped (ledger.h): the failing call
// and every later one return FailedPrecondition, which tells a retry loop
// to stop and the embedder to reopen, never Unavailable, which Abseil
// defines as transient (a retry loop would spin for ever).
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/write_path/open_with_env.h"
#include "tests/reliability/fault_fs.h"
#include "tests/reliability/reliability_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::BuyJson;
using testing::FaultInjector;
using testing::FaultPoint;
using testing::TempDir;

void ExpectReopenError(const absl::Status& status, const std::string& call) {
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << call << ": " << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("until the ledger is reopened"))
      << call;
}

TEST(FailedWriteStatusTest, AFailedSyncAndEveryLaterCallSayReopenNotRetry) {
  TempDir dir;
  FaultInjector faults;
  std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
  auto opened = OpenLedgerWithEnv(Options(), dir.path(), env.get());
  ASSERT_TRUE(opened.ok()) << opened.status();
  Ledger& db = **opened;
  ASSERT_TRUE(db.SubmitJson(BuyJson("k1", "c1", "p1", 100)).ok());

  faults.Arm(FaultPoint::kWalSync);
  auto failed = db.SubmitJson(BuyJson("k2", "c1", "p2", 100));
  ASSERT_GE(faults.injected(), 1) << "the fault was never hit";
  ExpectReopenError(failed.status(), "the failing SubmitJson");
  // The cause is kept in the message.
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("failed write"));

  faults.Disarm();
  ExpectReopenError(db.SubmitJson(BuyJson("k3", "c1", "p3", 1)).status(), "SubmitJson");
  std::vector<std::string> lines{BuyJson("k4", "c1", "p4", 1)};
  ExpectReopenError(db.SubmitJsonBatch(lines).status(), "SubmitJsonBatch");
  ExpectReopenError(db.GetBalance("c1", 0).status(), "GetBalance");
  ExpectReopenError(db.ReadEvents(1, [](const v1::Event&) { return true; }),
                    "ReadEvents");
  ExpectReopenError(db.Subscribe(1).status(), "Subscribe");
  EXPECT_EQ(db.LastSeq(), 1u);

  // Close answers (whatever flushing a failed store returns) without a
  // crash, and the ledger opens again on the healthy disk.
  absl::Status closed = db.Close();
  (void)closed;
  opened->reset();
  auto again = Ledger::Open(Options(), dir.path());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE((*again)->GetBalance("c1", 0).ok());
}

}  // namespace
}  // namespace ledger
