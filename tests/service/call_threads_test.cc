// CallThreads (tools/ledgerd/call_threads.h): every job given runs at
// once while fewer than max_threads run, so concurrent Submits wait in the
// library together and share its group commits.
#include "tools/ledgerd/call_threads.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "tools/ledgerd/thread_priority.h"

namespace ledger::ledgerd {
namespace {

// Jobs that each wait until `total` of them run at the same time, until
// at most 5 s after the rendezvous was made.
class Rendezvous {
 public:
  explicit Rendezvous(int total)
      : total_(total), deadline_(absl::Now() + absl::Seconds(5)) {}
  // Whether all `total` arrived before the deadline.
  bool Arrive() {
    absl::MutexLock lock(&mu_);
    ++arrived_;
    auto all = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return arrived_ >= total_;
    };
    return mu_.AwaitWithDeadline(absl::Condition(&all), deadline_);
  }

 private:
  const int total_;
  const absl::Time deadline_;
  absl::Mutex mu_;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(CallThreads, SixtyFourJobsGivenAtOnceAllRunAtTheSameTime) {
  Rendezvous rendezvous(64);
  std::atomic<int> met{0};
  {
    CallThreads threads(256);
    for (int i = 0; i < 64; ++i) {
      threads.Run([&] { met += rendezvous.Arrive() ? 1 : 0; });
    }
  }  // the destructor runs every job, then joins
  EXPECT_EQ(met.load(), 64);
}

TEST(CallThreads, ThreadsAreKeptAndReusedNotStartedPerJob) {
  CallThreads threads(256);
  for (int round = 0; round < 20; ++round) {
    Rendezvous rendezvous(8);
    std::atomic<int> done{0};
    for (int i = 0; i < 8; ++i) {
      threads.Run([&] {
        rendezvous.Arrive();
        ++done;
      });
    }
    // Wait for the round's jobs, bounded: a job that never ran fails the
    // test here instead of hanging the suite.
    ASSERT_TRUE(testing::WaitUntil([&] { return done.load() == 8; },
                                   absl::Seconds(30)))
        << "round " << round << ": jobs never ran";
  }
  EXPECT_LE(threads.threads(), 16);
}

TEST(CallThreads, NoMoreThanMaxThreadsRunAndTheRestWait) {
  std::atomic<int> ran{0};
  {
    CallThreads threads(2);
    for (int i = 0; i < 10; ++i) threads.Run([&] { ++ran; });
    EXPECT_LE(threads.threads(), 2);
  }
  EXPECT_EQ(ran.load(), 10);
}

// Jobs come from gRPC's threads, which ledgerd lowers (server.h): the
// library calls must not inherit that.
TEST(CallThreads, JobsRunAtThePoolsMakersPriorityWhenGivenFromALowerThread) {
  const int maker_nice = ThisThreadsNice();
  if (maker_nice > kLowestNice - 5) {
    GTEST_SKIP() << "the test already runs at nice " << maker_nice;
  }
  std::atomic<int> job_nice{-100};
  std::atomic<int> giver_nice{-100};
  {
    CallThreads threads(4);
    std::thread giver([&] {
      ASSERT_TRUE(LowerThisThreadsPriority(5).ok());
      giver_nice = ThisThreadsNice();
      threads.Run([&] { job_nice = ThisThreadsNice(); });
    });
    giver.join();
  }  // the destructor runs the job
  EXPECT_EQ(giver_nice.load(), maker_nice + 5);
  EXPECT_EQ(job_nice.load(), maker_nice);
  EXPECT_EQ(ThisThreadsNice(), maker_nice);
}

}  // namespace
}  // namespace ledger::ledgerd
