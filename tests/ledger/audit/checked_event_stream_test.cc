// The log read and checked on other threads (ledger/checked_event_stream.h):
// every event handed out once, in log order, across batches and with any
// number of checkers; a broken event carries its problem at its own seq; a
// stream dropped early stops its threads.
#include "ledger/audit/checked_event_stream.h"

#include "absl/strings/escaping.h"

#include <memory>
#include <string>
#include <vector>

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

// Every event the stream hands out, checked, in the order handed out.
struct Drained {
  std::vector<uint64_t> seqs;
  std::vector<std::string> problems;  // "" for a good event
  std::string last_hash;
  absl::Status status;
};

Drained Drain(const Store& store, std::optional<uint64_t> limit, int checkers) {
  Drained out;
  CheckedEventStream stream(store, limit, checkers);
  for (auto batch = stream.Next(); !batch.empty(); batch = stream.Next()) {
    for (const CheckedEvent& e : batch) {
      out.seqs.push_back(e.seq);
      out.problems.push_back(e.problem);
      if (e.problem.empty()) {
        EXPECT_EQ(e.event->header().seq(), e.seq);
        out.last_hash = std::string(e.hash);
      }
    }
  }
  out.status = stream.status();
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
  ASSERT_GE(drained.problems.size(), 4321u);
  for (size_t i = 0; i < 4320; ++i) ASSERT_EQ(drained.problems[i], "") << i + 1;
  EXPECT_NE(drained.problems[4320].find("hash chain broken"), std::string::npos)
      << drained.problems[4320];
}

TEST(CheckedEventStream, DroppedAfterItsFirstBatchItStopsItsThreads) {
  TestLedger db;
  db.WriteManyEvents(kEvents);
  db.Close();
  std::unique_ptr<Store> store = OpenReadOnly(db.dir());
  ASSERT_NE(store, nullptr);
  {
    CheckedEventStream stream(*store, std::nullopt, 2);
    ASSERT_EQ(stream.Next().size(), CheckedEventStream::kBatchEvents);
  }  // the reader waits for a free batch: the destructor must wake it
  SUCCEED();
}

}  // namespace
}  // namespace ledger
