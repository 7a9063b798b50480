// Concurrency that matters (docs/reliability.md, "Sanitizers and concurrency"), run under
// ASan+UBSan and TSan by .ci/run:
// - 64 threads spending from one customer, with uses, holds, captures and
//   releases, never overspend: what was accepted adds up exactly to what the
//   customer lost, and no lot goes negative;
// - submits and queries at once: readers calling GetBalance, LastSeq and
//   ReadEvents while writers submit never see a state that goes backwards or
//   does not add up;
// - subscriptions while writers submit: each sees every event once, in
//   order; one cancelled and one slow one end cleanly when the ledger is
//   closed under them (a use-after-free here is what ASan and TSan look for).
#include <atomic>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/time_util.h"
#include "tests/reliability/reliability_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::BuyJson;
using testing::OutcomeName;
using testing::TestLedger;
using testing::UseJson;
using testing::WaitUntil;

constexpr int kThreads = 64;
const int64_t kNoon = *ParseTimeUs("2026-03-08T12:00:00Z");

TEST(Concurrency, SixtyFourThreadsSpendingFromOneCustomerNeverOverspend) {
  TestLedger db;
  constexpr int64_t kGranted = 5000;
  ASSERT_EQ(db.Code(BuyJson("buy", "c1", "p1", 3000)), "ACCEPTED");
  ASSERT_EQ(db.Code(BuyJson("buy2", "c1", "p2", 2000)), "ACCEPTED");
  std::atomic<int64_t> used{0};      // credits of accepted uses and captures
  std::atomic<int> store_errors{0};
  std::atomic<int> insufficient{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 12; ++i) {
        const std::string id = absl::StrCat(t, "-", i);
        const int64_t credits = 1 + rng() % 20;
        const std::string at = "2026-03-08T11:00:00Z";
        if (i % 3 != 2) {
          auto r = db->SubmitJson(UseJson("u" + id, "c1", "u" + id, credits, at));
          if (!r.ok()) { ++store_errors; continue; }
          if (r->outcome == Outcome::kAccepted) used += credits;
          if (r->code == v1::INSUFFICIENT_CREDITS) ++insufficient;
          continue;
        }
        // A hold, then a capture of part of it or a release.
        auto h = db->SubmitJson(absl::StrCat(
            R"({"key":"h)", id, R"(","customer":"c1","at":")", at,
            R"(","hold":{"hold_id":"h)", id, R"(","credits":)", credits,
            R"(,"expires_at":"2026-03-09T11:00:00Z"}})"));
        if (!h.ok()) { ++store_errors; continue; }
        if (h->outcome != Outcome::kAccepted) continue;
        if (rng() % 2 == 0) {
          const int64_t part = 1 + rng() % credits;
          auto c = db->SubmitJson(absl::StrCat(
              R"({"key":"c)", id, R"(","customer":"c1","at":")", at,
              R"(","capture":{"hold_id":"h)", id, R"(","usage_id":"cu)", id,
              R"(","category":"TELEPHONY_USAGE","credits":)", part, "}}"));
          if (!c.ok()) { ++store_errors; continue; }
          EXPECT_EQ(OutcomeName(*c), "ACCEPTED");
          if (c->outcome == Outcome::kAccepted) used += part;
        } else {
          auto r = db->SubmitJson(absl::StrCat(
              R"({"key":"r)", id, R"(","customer":"c1","at":")", at,
              R"(","release":{"hold_id":"h)", id, "\"}}"));
          if (!r.ok()) { ++store_errors; continue; }
          EXPECT_EQ(OutcomeName(*r), "ACCEPTED");
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(store_errors.load(), 0);
  EXPECT_GT(insufficient.load(), 0) << "the customer never ran dry";
  Balance b = db.BalanceAt("c1", "2026-03-08T12:00:00Z");
  EXPECT_EQ(b.held, 0);
  EXPECT_GE(b.available, 0);
  EXPECT_LE(used.load(), kGranted);
  EXPECT_EQ(b.available, kGranted - used.load())
      << "accepted spending does not add up to what the customer lost";
  for (const LotBalance& lot : b.lots) {
    EXPECT_GE(lot.remaining, 0);
    EXPECT_LE(lot.remaining, lot.granted);
  }
  db.Close();
  auto report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST(Concurrency, QueriesWhileSubmittingSeeOnlyConsistentStates) {
  TestLedger db;
  constexpr int kWriters = 8;
  constexpr int kReaders = 4;
  constexpr int kPerWriter = 40;
  std::atomic<bool> done{false};
  std::atomic<int> store_errors{0};
  std::atomic<int64_t> reads{0};
  std::vector<std::thread> threads;
  // Writer w owns customer "w<w>" (purchases and uses) and also spends from
  // the shared customer "shared".
  ASSERT_EQ(db.Code(BuyJson("seed", "shared", "p0", 100000)), "ACCEPTED");
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      const std::string me = absl::StrCat("w", w);
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string id = absl::StrCat(w, "-", i);
        std::string json = i % 4 == 0
            ? BuyJson("b" + id, me, "p" + id, 100)
            : i % 4 == 1 ? UseJson("u" + id, me, "u" + id, 30)
                         : UseJson("s" + id, "shared", "s" + id, 7);
        auto r = db->SubmitJson(json);
        if (!r.ok()) ++store_errors;
      }
    });
  }
  for (int q = 0; q < kReaders; ++q) {
    threads.emplace_back([&, q] {
      uint64_t last_seq = 0;
      int64_t last_consumed = 0;
      std::map<std::string, int64_t> last_granted;
      while (!done.load()) {
        const uint64_t seq = db->LastSeq();
        EXPECT_GE(seq, last_seq) << "LastSeq went backwards";
        last_seq = seq;
        // The shared customer: only ever spent from, one lot.
        auto shared = db->GetBalance("shared", kNoon);
        if (!shared.ok()) { ++store_errors; continue; }
        ASSERT_EQ(shared->lots.size(), 1u);
        const int64_t consumed = 100000 - shared->available;
        EXPECT_EQ(shared->available, shared->lots[0].remaining);
        EXPECT_GE(consumed, last_consumed) << "spending was undone";
        EXPECT_EQ(consumed % 7, 0) << "half a use is visible";
        last_consumed = consumed;
        // A writer's own customer: purchases of 100, uses of 30.
        const std::string me = absl::StrCat("w", q % kWriters);
        auto own = db->GetBalance(me, kNoon);
        if (own.ok()) {
          int64_t granted = 0, remaining = 0;
          for (const LotBalance& lot : own->lots) {
            EXPECT_GE(lot.remaining, 0);
            granted += lot.granted;
            remaining += lot.remaining;
          }
          EXPECT_EQ(own->available, remaining);
          EXPECT_EQ((granted - remaining) % 30, 0);
          EXPECT_GE(granted, last_granted[me]);
          last_granted[me] = granted;
        } else {
          EXPECT_TRUE(absl::IsNotFound(own.status())) << own.status();
        }
        // The log: gapless from 1, every entry balanced.
        uint64_t expect = 1;
        absl::Status s = db->ReadEvents(1, [&](const v1::Event& e) {
          EXPECT_EQ(e.header().seq(), expect);
          ++expect;
          int64_t sum = 0;
          for (const v1::Posting& p : e.postings()) {
            if (p.unit() == "CREDITS") sum += p.amount();
          }
          EXPECT_EQ(sum, 0);
          return expect <= seq + 1000;
        });
        EXPECT_TRUE(s.ok()) << s;
        EXPECT_GE(expect - 1, seq) << "an event below LastSeq is missing";
        ++reads;
      }
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  done = true;
  for (size_t i = kWriters; i < threads.size(); ++i) threads[i].join();
  EXPECT_EQ(store_errors.load(), 0);
  EXPECT_GT(reads.load(), 0);
  std::cout << "[ info ] " << reads.load() << " consistent reads while "
            << kWriters * kPerWriter << " commands were submitted\n";
  db.Close();
  auto report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST(Concurrency, SubscriptionsFollowingWritersSeeEveryEventOnceAndEndOnClose) {
  TestLedger db;
  constexpr int kWriters = 8;
  constexpr int kPerWriter = 30;
  constexpr int kFast = 3;  // subscribers 0..2: read as fast as they can
  constexpr int kSlow = kFast;        // sleeps on every event
  constexpr int kCancelled = kFast + 1;  // cancelled by another thread
  constexpr int kSubscribers = kFast + 2;
  ASSERT_EQ(db.Code(BuyJson("seed", "seed", "p0", 1)), "ACCEPTED");
  struct Seen {
    std::vector<uint64_t> seqs;
    absl::Status end;
    std::atomic<uint64_t> last{0};
  };
  std::vector<Seen> seen(kSubscribers);
  std::vector<std::unique_ptr<Subscription>> subs;
  for (int i = 0; i < kSubscribers; ++i) {
    auto sub = db->Subscribe(1);
    ASSERT_TRUE(sub.ok()) << sub.status();
    subs.push_back(std::move(sub).value());
  }
  std::vector<std::thread> readers;
  for (int i = 0; i < kSubscribers; ++i) {
    readers.emplace_back([&, i] {
      for (;;) {
        auto next = subs[i]->Next(absl::Now() + absl::Milliseconds(20));
        if (!next.ok()) {
          seen[i].end = next.status();
          return;
        }
        if (!next->has_value()) continue;
        seen[i].seqs.push_back((*next)->header().seq());
        seen[i].last = (*next)->header().seq();
        if (i == kSlow) absl::SleepFor(absl::Milliseconds(2));
      }
    });
  }
  std::vector<std::thread> writers;
  std::atomic<int> store_errors{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string id = absl::StrCat(w, "-", i);
        if (!db->SubmitJson(BuyJson("b" + id, absl::StrCat("w", w), "p" + id, 5))
                 .ok()) {
          ++store_errors;
        }
        if (w == 0 && i == kPerWriter / 2) subs[kCancelled]->Cancel();
      }
    });
  }
  for (std::thread& t : writers) t.join();
  ASSERT_EQ(store_errors.load(), 0);
  const uint64_t head = db->LastSeq();
  ASSERT_EQ(head, 1u + kWriters * kPerWriter);
  // The fast ones catch up; the slow one is closed under while behind.
  WaitUntil([&] {
    for (int i = 0; i < kFast; ++i) {
      if (seen[i].last.load() < head) return false;
    }
    return true;
  }, absl::Seconds(60));
  db.Close();
  for (std::thread& t : readers) t.join();
  for (int i = 0; i < kSubscribers; ++i) {
    const std::vector<uint64_t>& seqs = seen[i].seqs;
    for (size_t k = 0; k < seqs.size(); ++k) {
      ASSERT_EQ(seqs[k], k + 1) << "subscriber " << i << " out of order";
    }
    if (i < kFast) {
      EXPECT_EQ(seqs.size(), head) << "subscriber " << i << " missed events";
    }
    if (i == kCancelled) {
      EXPECT_TRUE(absl::IsCancelled(seen[i].end)) << seen[i].end;
    } else {
      EXPECT_TRUE(absl::IsAborted(seen[i].end))
          << "subscriber " << i << ": " << seen[i].end;
    }
  }
}

}  // namespace
}  // namespace ledger
