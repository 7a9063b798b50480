// The log stream with several consumers (replay's fold workers): each gets
// every event once, in log order, with or without checker threads (the
// consumers then check the batches themselves), and one that leaves early
// holds no batch back from the others. Under a watchdog, as in
// checked_event_stream_test.cc: a deadlock fails within seconds.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/audit/checked_event_stream.h"
#include "ledger/storage/store.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::TestLedger;

constexpr int kEvents = 6000;

template <typename Work>
void RunWithWatchdog(const std::string& what, Work work) {
  absl::Notification done;
  std::thread worker([&] {
    work();
    done.Notify();
  });
  if (!done.WaitForNotificationWithTimeout(absl::Seconds(60))) {
    std::fprintf(stderr, "FATAL: %s hung: a deadlock among CheckedEventStream's "
                 "consumers; aborting the test process\n", what.c_str());
    std::fflush(stderr);
    std::abort();
  }
  worker.join();
}

// The seqs each consumer got, in order; consumer `leaver` (if any) leaves
// after its first batch.
std::vector<std::vector<uint64_t>> DrainWith(const Store& store, int checkers,
                                             int consumers, int leaver = -1) {
  std::vector<std::vector<uint64_t>> got(static_cast<size_t>(consumers));
  RunWithWatchdog(absl::StrCat(consumers, " consumers, ", checkers, " checkers"), [&] {
    CheckedEventStream stream(store, std::nullopt, checkers, consumers);
    std::vector<std::thread> threads;
    for (int c = 0; c < consumers; ++c) {
      threads.emplace_back([&, c] {
        for (auto batch = stream.Next(c); !batch.empty(); batch = stream.Next(c)) {
          for (const CheckedEvent& e : batch) {
            EXPECT_EQ(e.problem, "") << "seq " << e.seq;
            got[static_cast<size_t>(c)].push_back(e.seq);
          }
          if (c == leaver) break;
        }
        stream.Leave(c);
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_TRUE(stream.status().ok()) << stream.status();
  });
  return got;
}

std::vector<uint64_t> OneTo(uint64_t n) {
  std::vector<uint64_t> seqs;
  for (uint64_t s = 1; s <= n; ++s) seqs.push_back(s);
  return seqs;
}

class CheckedEventStreamConsumers : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.WriteManyEvents(kEvents);
    head_ = db_->LastSeq();
    db_.Close();
    auto store = Store::Open(db_.dir(), Store::Mode::kReadOnly, false);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(store).value();
  }
  TestLedger db_;
  uint64_t head_ = 0;
  std::unique_ptr<Store> store_;
};

TEST_F(CheckedEventStreamConsumers, EachGetsEveryEventOnceInLogOrderCheckingThemItself) {
  for (int checkers : {0, 1}) {
    for (int consumers : {1, 2, 3, 8}) {
      auto got = DrainWith(*store_, checkers, consumers);
      for (int c = 0; c < consumers; ++c) {
        EXPECT_EQ(got[static_cast<size_t>(c)], OneTo(head_))
            << "consumer " << c << " of " << consumers << ", " << checkers
            << " checkers";
      }
    }
  }
}

TEST_F(CheckedEventStreamConsumers, OneLeavingEarlyHoldsNoBatchBackFromTheOthers) {
  auto got = DrainWith(*store_, 0, 3, /*leaver=*/1);
  EXPECT_EQ(got[0], OneTo(head_));
  EXPECT_EQ(got[1], OneTo(CheckedEventStream::kBatchEvents));
  EXPECT_EQ(got[2], OneTo(head_));
}

}  // namespace
}  // namespace ledger
