// Options::on_group_committed (options.h): called once per group written,
// before its callers are answered, with the group's calls, commands, events,
// bytes and write time.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/options.h"
#include "tests/reliability/reliability_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::BuyJson;
using testing::OutcomeName;
using testing::TempDir;
using testing::UseJson;

// Every CommitStats the ledger reported, in order.
class Recorder {
 public:
  Options WithHook() {
    Options options;
    options.on_group_committed = [this](const CommitStats& stats) {
      absl::MutexLock lock(&mu_);
      groups_.push_back(stats);
    };
    return options;
  }
  std::vector<CommitStats> groups() {
    absl::MutexLock lock(&mu_);
    return groups_;
  }

 private:
  absl::Mutex mu_;
  std::vector<CommitStats> groups_ ABSL_GUARDED_BY(mu_);
};

std::unique_ptr<Ledger> OpenOrDie(const Options& options, const std::string& dir) {
  auto opened = Ledger::Open(options, dir);
  EXPECT_TRUE(opened.ok()) << opened.status();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

TEST(GroupCommitStats, OneBatchIsOneGroupCountingItsCommandsEventsAndBytes) {
  TempDir dir;
  Recorder recorder;
  std::unique_ptr<Ledger> db = OpenOrDie(recorder.WithHook(), dir.path());
  ASSERT_NE(db, nullptr);
  // Two accepted commands and one rejection (c2 is unknown).
  std::vector<std::string> lines{BuyJson("k1", "c1", "p1", 100),
                                 UseJson("k2", "c1", "u1", 10),
                                 UseJson("k3", "c2", "u2", 10)};
  auto results = db->SubmitJsonBatch(lines);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(OutcomeName((*results)[2]), "UNKNOWN_CUSTOMER");

  // Reported before the call returned.
  std::vector<CommitStats> groups = recorder.groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].calls, 1u);
  EXPECT_EQ(groups[0].commands, 3u);
  EXPECT_EQ(groups[0].events, 2u);
  EXPECT_GT(groups[0].bytes, 200u);  // two events with their commands
  EXPECT_GT(groups[0].write_duration.count(), 0);
}

TEST(GroupCommitStats, AGroupThatWritesNothingIsNotReported) {
  TempDir dir;
  Recorder recorder;
  std::unique_ptr<Ledger> db = OpenOrDie(recorder.WithHook(), dir.path());
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->SubmitJson(BuyJson("k1", "c1", "p1", 100)).ok());
  auto duplicate = db->SubmitJson(BuyJson("k1", "c1", "p1", 100));
  ASSERT_TRUE(duplicate.ok());
  EXPECT_EQ(OutcomeName(*duplicate), "DUPLICATE");
  auto rejected = db->SubmitJson(UseJson("k2", "c9", "u1", 1));
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(OutcomeName(*rejected), "UNKNOWN_CUSTOMER");
  EXPECT_EQ(recorder.groups().size(), 1u);
}

TEST(GroupCommitStats, ConcurrentSubmitsAreEachCountedOnceAcrossTheGroups) {
  TempDir dir;
  Recorder recorder;
  std::unique_ptr<Ledger> db = OpenOrDie(recorder.WithHook(), dir.path());
  ASSERT_NE(db, nullptr);
  constexpr int kThreads = 16;
  constexpr int kPerThread = 20;
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = absl::StrCat("k", t, "-", i);
        auto r = db->SubmitJson(BuyJson(key, absl::StrCat("c", t), key, 1));
        if (r.ok() && r->outcome == Outcome::kAccepted) ++accepted;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(accepted.load(), kThreads * kPerThread);

  size_t calls = 0, commands = 0, events = 0;
  std::vector<CommitStats> groups = recorder.groups();
  for (const CommitStats& g : groups) {
    calls += g.calls;
    commands += g.commands;
    events += g.events;
    EXPECT_EQ(g.calls, g.commands);  // one command per SubmitJson
  }
  EXPECT_EQ(calls, size_t{kThreads * kPerThread});
  EXPECT_EQ(commands, size_t{kThreads * kPerThread});
  EXPECT_EQ(events, db->LastSeq());
  EXPECT_LE(groups.size(), size_t{kThreads * kPerThread});
}

}  // namespace
}  // namespace ledger
