// Ledger::ReadCustomerEvents pages beside a writer: paging through one
// customer's history while events of that customer and others are
// appended returns each of the customer's events exactly once, in seq
// order, and nothing of another customer.
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::TestLedger;

std::string Purchase(const std::string& key, const std::string& customer) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":")", customer,
                      R"(","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1",)",
                      R"("credits":1000000,"amount_minor":100,"currency":"USD"}})");
}

std::string Use(int i, const std::string& customer) {
  return absl::StrCat(R"({"key":"u)", i, R"(","customer":")", customer,
                      R"(","at":"2026-03-08T11:00:00Z","use":{"usage_id":"u)", i,
                      R"(","category":"AI_PROCESSING","credits":1}})");
}

TEST(CustomerEventPaging, PagesReturnEveryEventOnceWhileAWriterAppends) {
  Options options;
  options.sync = false;  // what is tested is visibility, not durability
  TestLedger db(options);
  ASSERT_EQ(db.Json(Purchase("p-a", "a")).outcome, Outcome::kAccepted);
  ASSERT_EQ(db.Json(Purchase("p-b", "b")).outcome, Outcome::kAccepted);
  constexpr int kWrites = 600;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      // Two of every three events are a's, in groups of varying size.
      auto r = db->SubmitJson(Use(i, i % 3 == 0 ? "b" : "a"));
      EXPECT_TRUE(r.ok() && r->outcome == Outcome::kAccepted);
    }
    done = true;
  });
  std::vector<uint64_t> seen;
  uint64_t next = 1;
  bool last_round = false;
  // Bounded: each round reads at most one page; a page past the end waits
  // for the writer by yielding, and the round after the writer finished
  // reads to the end.
  for (int round = 0; round < 100000; ++round) {
    const bool writer_done = done.load();
    auto page = db->ReadCustomerEvents("a", next, 7);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_LE(page->events.size(), 7u);
    for (const CustomerEvent& e : page->events) {
      ASSERT_EQ(e.event.header().customer(), "a");
      seen.push_back(e.seq);
      next = e.seq + 1;
    }
    if (page->next_from_seq.has_value()) {
      ASSERT_GE(*page->next_from_seq, next);
      next = *page->next_from_seq;
      continue;
    }
    if (last_round) break;
    if (writer_done) last_round = true;  // one more page after the last write
    std::this_thread::yield();
  }
  writer.join();
  ASSERT_TRUE(last_round) << "the pages never reached the end";
  std::vector<uint64_t> expected;
  ASSERT_TRUE(db->ReadEvents(1, [&](const v1::Event& e) {
    if (e.header().customer() == "a") expected.push_back(e.header().seq());
    return true;
  }).ok());
  EXPECT_EQ(expected.size(), 1u + 400u);
  EXPECT_EQ(seen, expected);  // each once, in order
}

}  // namespace
}  // namespace ledger
