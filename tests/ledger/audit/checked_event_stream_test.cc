// The log read and checked on other threads (ledger/audit/checked_event_stream.h):
// every event handed out once, in log order, across batches and with any
// number of checkers; a broken event carries its problem at its own seq; a
// stream dropped early stops its threads. Each stream runs under a watchdog,
// so a deadlock among its threads fails within seconds, not at ctest's
// timeout.
#include "ledger/audit/checked_event_stream.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/base/sha256.h"
#include "ledger/storage/store.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::RawLog;
using testing::TestLedger;

// Longer than kBatches * kBatchEvents, so the reader waits for the caller.
constexpr int kEvents = 5000;
static_assert(kEvents > CheckedEventStream::kBatches *
                            CheckedEventStream::kBatchEvents);

std::unique_ptr<Store> OpenReadOnly(const std::string& dir) {
  auto store = Store::Open(dir, Store::Mode::kReadOnly, false);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Far above what a stream of kEvents takes on a loaded 2-core machine
// (well under a second), far below ctest's timeout.
constexpr absl::Duration kWatchdog = absl::Seconds(30);

// Runs `work` on a thread of its own and waits at most kWatchdog for it. A
// hung thread can be neither stopped nor left running into the other tests,
// so a hang ends the whole process here, saying which stream hung.
template <typename Work>
void RunWithWatchdog(const std::string& what, Work work) {
  absl::Notification done;
  std::thread worker([&] {
    work();
    done.Notify();
  });
  if (!done.WaitForNotificationWithTimeout(kWatchdog)) {
    std::fprintf(stderr,
                 "FATAL: %s did not finish within %s: a deadlock in "
                 "CheckedEventStream's threads; aborting the test process\n",
                 what.c_str(), absl::FormatDuration(kWatchdog).c_str());
    std::fflush(stderr);
    std::abort();
  }
  worker.join();
}

// Every event the stream hands out, checked, in the order handed out.
struct Drained {
  std::vector<uint64_t> seqs;
  std::vector<std::string> problems;  // "" for a good event
  std::string last_hash;
  absl::Status status;
};

// Records one checked event; a good one must carry its parsed event.
void Record(const CheckedEvent& e, Drained& out) {
  out.seqs.push_back(e.seq);
  out.problems.push_back(e.problem);
  if (!e.problem.empty()) return;
  EXPECT_NE(e.event, nullptr) << "seq " << e.seq << " has no event";
  if (e.event != nullptr) {
    EXPECT_EQ(e.event->header().seq(), e.seq);
  }
  out.last_hash = std::string(e.hash);
}

Drained Drain(const Store& store, std::optional<uint64_t> limit, int checkers) {
  Drained out;
  RunWithWatchdog(absl::StrCat("a stream with ", checkers, " checkers"), [&] {
    CheckedEventStream stream(store, limit, checkers);
    for (auto batch = stream.Next(); !batch.empty(); batch = stream.Next()) {
      for (const CheckedEvent& e : batch) Record(e, out);
    }
    out.status = stream.status();
  });
  return out;
}

std::vector<uint64_t> OneTo(uint64_t n) {
  std::vector<uint64_t> seqs;
  for (uint64_t s = 1; s <= n; ++s) seqs.push_back(s);
  return seqs;
}

TEST(CheckedEventStream, HandsOutEveryEventOnceInLogOrderWithAnyNumberOfCheckers) {
  TestLedger db;
  db.WriteManyEvents(kEvents);
  const uint64_t head = db->LastSeq();
  db.Close();
  std::unique_ptr<Store> store = OpenReadOnly(db.dir());
  ASSERT_NE(store, nullptr);
  const std::string head_hash = store->ReadHead()->hash();
  for (int checkers : {1, 2, 4}) {
    Drained drained = Drain(*store, std::nullopt, checkers);
    EXPECT_TRUE(drained.status.ok()) << drained.status;
    EXPECT_EQ(drained.seqs, OneTo(head)) << checkers << " checkers";
    for (size_t i = 0; i < drained.problems.size(); ++i) {
      ASSERT_EQ(drained.problems[i], "") << "seq " << i + 1;
    }
    EXPECT_EQ(absl::BytesToHexString(drained.last_hash), absl::BytesToHexString(head_hash));
  }
}

TEST(CheckedEventStream, StopsAfterTheLimit) {
  TestLedger db;
  db.WriteManyEvents(kEvents);
  db.Close();
  std::unique_ptr<Store> store = OpenReadOnly(db.dir());
  ASSERT_NE(store, nullptr);
  for (uint64_t limit : {0u, 1u, 512u, 513u, 4097u}) {
    EXPECT_EQ(Drain(*store, limit, 2).seqs, OneTo(limit)) << limit;
  }
}

TEST(CheckedEventStream, ABrokenEventCarriesItsProblemAtItsOwnSeq) {
  TestLedger db;
  db.WriteManyEvents(kEvents);
  const uint64_t head = db->LastSeq();
  db.Close();
  {
    RawLog raw(db.dir());
    std::string value = raw.Get(4321);
    value.back() ^= 0x01;
    raw.Put(4321, value);
  }
  std::unique_ptr<Store> store = OpenReadOnly(db.dir());
  ASSERT_NE(store, nullptr);
  Drained drained = Drain(*store, std::nullopt, 2);
  // Every event is still handed out once, in order; only 4321 has a problem.
  EXPECT_TRUE(drained.status.ok()) << drained.status;
  ASSERT_EQ(drained.seqs, OneTo(head));
  for (size_t i = 0; i < drained.problems.size(); ++i) {
    if (i + 1 == 4321) continue;
    ASSERT_EQ(drained.problems[i], "") << "seq " << i + 1;
  }
  EXPECT_NE(drained.problems[4320].find("hash chain broken"), std::string::npos)
      << drained.problems[4320];
}

TEST(CheckedEventStream, DroppedAfterItsFirstBatchItStopsItsThreads) {
  TestLedger db;
  db.WriteManyEvents(kEvents);
  db.Close();
  std::unique_ptr<Store> store = OpenReadOnly(db.dir());
  ASSERT_NE(store, nullptr);
  Drained first;
  RunWithWatchdog("a stream dropped after its first batch", [&] {
    CheckedEventStream stream(*store, std::nullopt, 2);
    for (const CheckedEvent& e : stream.Next()) Record(e, first);
  });  // the reader waits for a free batch: the destructor must wake it
  EXPECT_EQ(first.seqs, OneTo(CheckedEventStream::kBatchEvents));
  for (size_t i = 0; i < first.problems.size(); ++i) {
    EXPECT_EQ(first.problems[i], "") << "seq " << i + 1;
  }
}

}  // namespace
}  // namespace ledger
