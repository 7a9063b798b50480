// The errors of Ledger::Open that an embedder acts on (ledger.h), and the
// bounds of GetBalance's time.
#include <filesystem>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/time_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

TEST(LedgerOpenErrorsTest, OpeningALedgerThatIsAlreadyOpenFailsWithAborted) {
  TempDir dir;
  auto first = Ledger::Open(Options(), dir.path());
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = Ledger::Open(Options(), dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsAborted(second.status())) << second.status();
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("another process (or another open Ledger in this process)"));
  ASSERT_TRUE((*first)->Close().ok());
  EXPECT_TRUE(Ledger::Open(Options(), dir.path()).ok())
      << "the lock outlived the ledger that held it";
}

TEST(LedgerOpenErrorsTest, ZeroMaxGroupCommandsIsRejectedBeforeAnythingIsCreated) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  Options options;
  options.max_group_commands = 0;
  auto opened = Ledger::Open(options, path);
  EXPECT_TRUE(absl::IsInvalidArgument(opened.status())) << opened.status();
  EXPECT_THAT(std::string(opened.status().message()), HasSubstr("max_group_commands"));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(LedgerOpenErrorsTest, ZeroMaxBatchCommandsIsRejected) {
  TempDir dir;
  Options options;
  options.max_batch_commands = 0;
  auto opened = Ledger::Open(options, dir.path());
  EXPECT_TRUE(absl::IsInvalidArgument(opened.status())) << opened.status();
  EXPECT_THAT(std::string(opened.status().message()), HasSubstr("max_batch_commands"));
}

TEST(LedgerOpenErrorsTest, ABalanceAtATimeOutsideTheSupportedRangeIsInvalidArgument) {
  testing::TestLedger db;
  db.Json(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":100,"currency":"USD"}})");
  EXPECT_TRUE(absl::IsInvalidArgument(db->GetBalance("c1", kMaxTimeUs + 1).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(db->GetBalance("c1", kMinTimeUs - 1).status()));
  EXPECT_TRUE(db->GetBalance("c1", kMaxTimeUs).ok());
}

}  // namespace
}  // namespace ledger
