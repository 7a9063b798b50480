// Ledger::Close (ledger.h): what it returns, what calls get after it, and
// that what it acknowledged while closing is durable.
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/reliability/reliability_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::BuyJson;
using testing::KeysInLog;
using testing::OutcomeName;
using testing::TempDir;
using testing::WaitUntil;

std::unique_ptr<Ledger> OpenIn(const std::string& dir) {
  auto opened = Ledger::Open(Options(), dir);
  EXPECT_TRUE(opened.ok()) << opened.status();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

void ExpectClosedError(const absl::Status& status, const std::string& call) {
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << call << ": " << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("closed")) << call;
}

TEST(LedgerCloseTest, CloseReturnsOkAndEveryLaterCallFailsWithFailedPrecondition) {
  TempDir dir;
  std::unique_ptr<Ledger> db = OpenIn(dir.path());
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->SubmitJson(BuyJson("k1", "c1", "p1", 100)).ok());
  EXPECT_TRUE(db->Close().ok());

  ExpectClosedError(db->SubmitJson(BuyJson("k2", "c1", "p2", 1)).status(), "SubmitJson");
  ExpectClosedError(db->Submit(v1::Command()).status(), "Submit");
  std::vector<v1::Command> commands(1);
  ExpectClosedError(db->SubmitBatch(commands).status(), "SubmitBatch");
  std::vector<std::string> lines{BuyJson("k3", "c1", "p3", 1)};
  ExpectClosedError(db->SubmitJsonBatch(lines).status(), "SubmitJsonBatch");
  ExpectClosedError(db->GetBalance("c1", 0).status(), "GetBalance");
  ExpectClosedError(db->ReadEvents(1, [](const v1::Event&) { return true; }),
                    "ReadEvents");
  ExpectClosedError(db->Subscribe(1).status(), "Subscribe");
  EXPECT_EQ(db->LastSeq(), 1u);
}

TEST(LedgerCloseTest, ClosingTwiceReturnsTheFirstAnswerAgain) {
  TempDir dir;
  std::unique_ptr<Ledger> db = OpenIn(dir.path());
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(db->Close().ok());
  EXPECT_TRUE(db->Close().ok());
}

TEST(LedgerCloseTest, AClosedLedgerCanBeOpenedAgainWhileTheOldObjectLives) {
  TempDir dir;
  std::unique_ptr<Ledger> db = OpenIn(dir.path());
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->SubmitJson(BuyJson("k1", "c1", "p1", 100)).ok());
  ASSERT_TRUE(db->Close().ok());
  // Close released the store (and its LOCK), not only the destructor.
  std::unique_ptr<Ledger> again = OpenIn(dir.path());
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->LastSeq(), 1u);
}

TEST(LedgerCloseTest, ASubscriptionOpenAtCloseEndsWithAborted) {
  TempDir dir;
  std::unique_ptr<Ledger> db = OpenIn(dir.path());
  ASSERT_NE(db, nullptr);
  auto sub = db->Subscribe(1);
  ASSERT_TRUE(sub.ok()) << sub.status();
  ASSERT_TRUE(db->Close().ok());
  auto next = (*sub)->Next(absl::Now() + absl::Seconds(5));
  EXPECT_TRUE(absl::IsAborted(next.status())) << next.status();
}

// Submitters race Close: each call either is acknowledged, and then is in
// the log after a reopen, or fails with the closed error. No crash, no
// acknowledged command lost, nothing in the log that was not acknowledged.
TEST(LedgerCloseTest, SubmittersDuringCloseEitherSucceedDurablyOrGetTheClosedError) {
  constexpr int kThreads = 6;
  TempDir dir;
  std::unique_ptr<Ledger> db = OpenIn(dir.path());
  ASSERT_NE(db, nullptr);
  std::vector<std::vector<std::string>> acknowledged(kThreads);
  std::vector<absl::Status> ended(kThreads);
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        std::string key = absl::StrCat("t", t, "-", i);
        auto r = db->SubmitJson(BuyJson(key, absl::StrCat("c", t), key, 1));
        if (!r.ok()) {
          ended[t] = r.status();
          return;
        }
        ASSERT_EQ(OutcomeName(*r), "ACCEPTED") << r->message;
        acknowledged[t].push_back(key);
        ++accepted;
      }
    });
  }
  // Close while the submitters are provably mid-stream: commands have been
  // acknowledged, and every thread goes on submitting until Close stops it.
  ASSERT_TRUE(WaitUntil([&] { return accepted.load() >= 4 * kThreads; }))
      << "the submitters never got going";
  EXPECT_TRUE(db->Close().ok());
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) ExpectClosedError(ended[t], "a racing Submit");
  db.reset();

  std::unique_ptr<Ledger> again = OpenIn(dir.path());
  ASSERT_NE(again, nullptr);
  std::string error;
  std::map<std::string, uint64_t> in_log = KeysInLog(*again, &error);
  ASSERT_EQ(error, "");
  size_t total = 0;
  for (const auto& keys : acknowledged) {
    total += keys.size();
    for (const std::string& key : keys) {
      EXPECT_EQ(in_log.count(key), 1u) << "acknowledged " << key << " was lost";
    }
  }
  EXPECT_GT(total, 0u) << "no submitter got in before Close: the race was not run";
  EXPECT_EQ(in_log.size(), total) << "the log holds a command never acknowledged";
}

}  // namespace
}  // namespace ledger
