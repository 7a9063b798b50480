// SubmitCoalescer (tools/ledgerd/submit_coalescer.h): concurrent Submits
// are committed as one SubmitBatch, each answered as submitting the
// commands one by one in that order would answer it, once durable.
#include "tools/ledgerd/submit_coalescer.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::ledgerd {
namespace {

v1::Command Purchase(const std::string& key, int credits) {
  v1::Command command;
  command.set_key(key);
  command.set_customer("c1");
  command.set_at("2026-01-01T00:00:00Z");
  v1::Purchase& purchase = *command.mutable_purchase();
  purchase.set_purchase_id(key);
  purchase.set_credits(credits);
  purchase.set_amount_minor(1000);
  purchase.set_currency("USD");
  return command;
}

v1::Command Use(const std::string& key, int credits) {
  v1::Command command;
  command.set_key(key);
  command.set_customer("c1");
  command.set_at("2026-01-02T00:00:00Z");
  v1::Use& use = *command.mutable_use();
  use.set_usage_id(key);
  use.set_category("AI_PROCESSING");
  use.set_credits(credits);
  return command;
}

// What the coalescer answered, in the order it answered.
class Answers {
 public:
  SubmitCoalescer::Done Collect() {
    return [this](const v1::Command& command, absl::StatusOr<SubmitResult> r) {
      absl::MutexLock lock(&mu_);
      keys_.push_back(command.key());
      results_.push_back(std::move(r));
    };
  }
  // Waits (at most 10 s) for n answers.
  bool WaitFor(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return results_.size() >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
  }
  std::vector<std::string> keys() {
    absl::MutexLock lock(&mu_);
    return keys_;
  }
  std::vector<absl::StatusOr<SubmitResult>> results() {
    absl::MutexLock lock(&mu_);
    return results_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> keys_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::StatusOr<SubmitResult>> results_ ABSL_GUARDED_BY(mu_);
};

TEST(SubmitCoalescer, SubmitsQueuedDuringACommitAreCommittedByOneLibraryCall) {
  // The first library call is held after its sync until 63 more Submits
  // are queued; the next call must take all of them.
  absl::Notification queued;
  Options options;
  std::atomic<bool> armed{false};
  options.on_group_committed = [&](const CommitStats&) {
    if (armed.exchange(false)) {
      queued.WaitForNotificationWithTimeout(absl::Seconds(10));
    }
  };
  testing::TestLedger ledger(options);
  ASSERT_EQ(ledger->Submit(Purchase("buy", 1000000))->outcome, Outcome::kAccepted);
  armed = true;
  Answers answers;
  {
    SubmitCoalescer coalescer(&*ledger, 1024);
    for (int i = 0; i < 64; ++i) {
      coalescer.Submit(Use("u" + std::to_string(i), 1), answers.Collect());
      if (i == 0) {
        // Let the committer take the first one alone.
        testing::WaitUntil([&] { return coalescer.batches() > 0; },
                           absl::Seconds(10));
      }
    }
    queued.Notify();
    ASSERT_TRUE(answers.WaitFor(64));
    EXPECT_EQ(coalescer.batches(), 2u);
    EXPECT_EQ(coalescer.commands(), 64u);
  }
  std::vector<std::string> keys = answers.keys();
  std::vector<absl::StatusOr<SubmitResult>> results = answers.results();
  for (int i = 0; i < 64; ++i) {
    EXPECT_EQ(keys[i], "u" + std::to_string(i)) << "answered out of order";
    ASSERT_TRUE(results[i].ok()) << results[i].status();
    EXPECT_EQ(results[i]->outcome, Outcome::kAccepted);
    EXPECT_EQ(results[i]->seq, static_cast<uint64_t>(i + 2));
  }
  // Durable when answered: a reopened ledger holds all of them.
  ledger.Reopen();
  EXPECT_EQ(ledger->LastSeq(), 65u);
}

TEST(SubmitCoalescer, EachCommandIsAnsweredAsSubmittingItAloneInOrderWould) {
  testing::TestLedger ledger;
  Answers answers;
  {
    SubmitCoalescer coalescer(&*ledger, 1024);
    coalescer.Submit(Purchase("buy", 100), answers.Collect());
    coalescer.Submit(Use("u1", 60), answers.Collect());
    coalescer.Submit(Use("u2", 60), answers.Collect());  // 40 left
    coalescer.Submit(Use("u1", 60), answers.Collect());  // the same again
    coalescer.Submit(Use("u1", 61), answers.Collect());  // same key, other command
    ASSERT_TRUE(answers.WaitFor(5));
  }
  std::vector<absl::StatusOr<SubmitResult>> results = answers.results();
  ASSERT_EQ(results.size(), 5u);
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(testing::OutcomeName(*results[0]), "ACCEPTED");
  EXPECT_EQ(testing::OutcomeName(*results[1]), "ACCEPTED");
  EXPECT_EQ(testing::OutcomeName(*results[2]), "INSUFFICIENT_CREDITS");
  EXPECT_EQ(testing::OutcomeName(*results[3]), "DUPLICATE");
  EXPECT_EQ(results[3]->seq, results[1]->seq);
  EXPECT_EQ(testing::OutcomeName(*results[4]), "KEY_REUSED");
}

TEST(SubmitCoalescer, DestroyingItAnswersEveryCommandAlreadyGiven) {
  testing::TestLedger ledger;
  Answers answers;
  {
    SubmitCoalescer coalescer(&*ledger, 7);  // several batches of at most 7
    coalescer.Submit(Purchase("buy", 1000), answers.Collect());
    for (int i = 0; i < 50; ++i) {
      coalescer.Submit(Use("u" + std::to_string(i), 1), answers.Collect());
    }
  }  // no wait: the destructor must commit and answer all 51
  std::vector<absl::StatusOr<SubmitResult>> results = answers.results();
  ASSERT_EQ(results.size(), 51u);
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->outcome, Outcome::kAccepted);
  }
  EXPECT_EQ(ledger->LastSeq(), 51u);
}

// ledgerd's callbacks hold the call's in-flight slot: each must be let go
// once called, not when the next batch comes.
TEST(SubmitCoalescer, ACallbackIsReleasedOnceCalledWithNoOtherCommandComing) {
  testing::TestLedger ledger;
  SubmitCoalescer coalescer(&*ledger, 1024);
  auto held = std::make_shared<int>(0);
  absl::Notification answered;
  coalescer.Submit(Purchase("buy", 100),
                   [held, &answered](const v1::Command&,
                                     absl::StatusOr<SubmitResult>) {
                     answered.Notify();
                   });
  ASSERT_TRUE(answered.WaitForNotificationWithTimeout(absl::Seconds(10)));
  testing::WaitUntil([&] { return held.use_count() == 1; }, absl::Seconds(5));
  EXPECT_EQ(held.use_count(), 1) << "the callback is still held";
}

TEST(SubmitCoalescer, AClosedLedgerAnswersEachCommandWithTheLibrarysError) {
  testing::TestLedger ledger;
  ASSERT_TRUE(ledger->Close().ok());
  Answers answers;
  {
    SubmitCoalescer coalescer(&*ledger, 1024);
    coalescer.Submit(Purchase("buy", 100), answers.Collect());
    coalescer.Submit(Use("u1", 1), answers.Collect());
    ASSERT_TRUE(answers.WaitFor(2));
  }
  for (const auto& r : answers.results()) {
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  }
}

}  // namespace
}  // namespace ledger::ledgerd
