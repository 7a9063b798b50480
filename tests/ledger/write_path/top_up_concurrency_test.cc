// docs/contract.md section 12: at most one top-up request is pending per
// customer, decided on the single writer's path, so however many workers of
// the platform spend from one customer at once, retrying as they go, the
// customer crosses `below` once and exactly one request appears.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::TestLedger;

TEST(TopUpConcurrency, ManyClientsDrivingOneCustomerBelowMakeExactlyOneRequest) {
  constexpr int kThreads = 8;
  constexpr int kUsesPerThread = 60;
  TestLedger db;
  ASSERT_EQ(db.Code(R"({"key":"buy","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":100000,"amount_minor":1000,"currency":"USD"}})"),
            "ACCEPTED");
  ASSERT_EQ(db.Code(R"({"key":"on","customer":"c1","at":"2026-03-08T10:00:00Z","set_auto_top_up":{"below":60000,"target":100000}})"),
            "ACCEPTED");
  ASSERT_EQ(db.Code(R"({"key":"alert","customer":"c1","at":"2026-03-08T10:00:00Z","set_alerts":{"thresholds":[{"code":"low","credits":60000}]}})"),
            "ACCEPTED");

  // 8 x 60 uses of 100 credits take 48 000 of 100 000: `below` (60 000) is
  // crossed once, by whichever command the writer happens to judge there.
  std::atomic<int> requests{0}, triggered{0}, accepted{0}, failures{0};
  std::vector<std::string> request_ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kUsesPerThread; ++i) {
        const std::string json = absl::StrCat(
            R"({"key":"use-)", t, "-", i,
            R"(","customer":"c1","at":"2026-03-08T10:00:00Z","use":{"usage_id":"u)", t,
            "-", i, R"(","category":"AUTOMATED_CALL","credits":100}})");
        // Every command is sent twice, as a worker retrying after a lost
        // answer would: the repeat is a duplicate and carries nothing.
        for (int attempt = 0; attempt < 2; ++attempt) {
          absl::StatusOr<SubmitResult> r = db->SubmitJson(json);
          if (!r.ok() || r->outcome == Outcome::kRejected ||
              (attempt == 1 && (r->outcome != Outcome::kDuplicate ||
                                r->top_up.has_value() || !r->alerts.empty()))) {
            ++failures;
            continue;
          }
          if (attempt == 0) ++accepted;
          if (r->top_up.has_value()) {
            ++requests;
            request_ids[t] = r->top_up->request_id;
          }
          triggered += static_cast<int>(r->alerts.size());
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(accepted.load(), kThreads * kUsesPerThread);
  EXPECT_EQ(requests.load(), 1);
  EXPECT_EQ(triggered.load(), 1);
  std::string id;
  for (const std::string& r : request_ids) id += r;
  EXPECT_EQ(id, "topup-1");

  // The log agrees: one TopUpRequested in all of it, and the balance shows
  // it pending.
  int logged = 0;
  ASSERT_TRUE(db->ReadEvents(1, [&](const v1::Event& e) {
    for (const v1::Effect& effect : e.effects()) {
      if (effect.has_top_up_requested()) ++logged;
    }
    return true;
  }).ok());
  EXPECT_EQ(logged, 1);
  Balance b = db.BalanceAt("c1", "2026-03-08T10:00:00Z");
  EXPECT_EQ(b.available, 100000 - 100 * kThreads * kUsesPerThread);
  ASSERT_TRUE(b.auto_top_up.has_value());
  ASSERT_TRUE(b.auto_top_up->pending.has_value());
  EXPECT_EQ(b.auto_top_up->pending->request_id, "topup-1");
  // Each use takes 100, so the first at or below 60 000 leaves exactly it.
  EXPECT_EQ(b.auto_top_up->pending->credits, 100000 - 60000);
}

}  // namespace
}  // namespace ledger
