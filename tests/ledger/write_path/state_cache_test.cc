// The writer's state is a bounded cache in front of the store
// (docs/storage.md, "Memory"): a ledger whose cache keeps no customer
// between groups must decide every command exactly as one that keeps them
// all, byte for byte, and the cache must stay within its bound and hold
// nothing that only grows with the log.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/base/deterministic_bytes.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/time_util.h"
#include "ledger/write_path/ledger_impl.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::TempDir;

std::unique_ptr<Ledger> OpenWithCache(const std::string& dir, size_t customers) {
  Options options;
  options.state_cache_customers = customers;
  options.sync = false;  // what is compared here is decisions, not syncs
  // Scenarios leave `at` out of some commands: both runs stamp them alike.
  options.clock = [] { return int64_t{1796000000} * 1000000; };
  auto opened = Ledger::Open(options, dir);
  EXPECT_TRUE(opened.ok()) << opened.status();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

LedgerImpl& Impl(Ledger& ledger) { return dynamic_cast<LedgerImpl&>(ledger); }

std::string Describe(const SubmitResult& r) {
  return absl::StrCat(r.key.value_or("<none>"), " ", static_cast<int>(r.outcome),
                      " seq ", r.seq, " available ",
                      r.available.has_value() ? absl::StrCat(*r.available) : "-",
                      " ", v1::RejectionCode_Name(r.code), " ", r.message);
}

std::string Describe(const absl::StatusOr<Balance>& b) {
  if (!b.ok()) return b.status().ToString();
  std::string out = absl::StrCat(b->customer, " ", b->status, " ", b->available,
                                 " ", b->held, " ", b->refund_pending, " ",
                                 b->refundable_credits);
  for (const LotBalance& lot : b->lots) {
    absl::StrAppend(&out, " ", lot.lot_id, ":", lot.remaining, "/", lot.granted, "p",
                    lot.priority, lot.voided ? "v" : "");
    for (v1::Category c : lot.applies_to) absl::StrAppend(&out, "+", c);
  }
  for (const CategoryCredits& c : b->available_by_category) {
    absl::StrAppend(&out, " ", v1::Category_Name(c.category), "=", c.credits);
  }
  for (const CashAmount& cash : b->refundable_cash) {
    absl::StrAppend(&out, " ", cash.currency, ":", cash.amount_minor);
  }
  return out;
}

// A customer's history as its index gives it: the seqs, or the error.
std::string Describe(const absl::StatusOr<CustomerEventPage>& page) {
  if (!page.ok()) return page.status().ToString();
  std::string out = "index";
  for (const CustomerEvent& e : page->events) absl::StrAppend(&out, " ", e.seq);
  return out;
}

std::vector<std::string> EventBytes(Ledger& ledger) {
  std::vector<std::string> out;
  EXPECT_TRUE(ledger
                  .ReadEvents(1,
                              [&](const v1::Event& e) {
                                out.push_back(SerializeDeterministic(e));
                                return true;
                              })
                  .ok());
  return out;
}

// Every scenario's commands (they reach every rejection code), one by one
// and in batches, so that ids are read back from the store by commands of
// later groups and found in memory by commands of the same group.
std::vector<std::string> ScenarioCommands() {
  std::vector<std::string> lines;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(SCENARIO_DIR)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".jsonl") && name.find('.') == name.size() - 6) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      lines.push_back(line);
    }
    lines.push_back("");  // a scenario boundary
  }
  return lines;
}

void ExpectReplays(Ledger& db, const std::string& dir) {
  auto closed = db.Close();
  EXPECT_TRUE(closed.ok()) << closed;
  auto report = ReplayLedger(dir);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << "seq " << report->first_bad_seq << ": "
                          << report->problem;
}

struct PlayedRun {
  std::vector<std::string> results;
  std::vector<std::string> events;
};

// Plays each scenario in a ledger of its own (scenarios reuse customer ids
// and keys), then a random stream, into ledgers with the given cache.
PlayedRun Play(size_t cache_customers, size_t batch) {
  PlayedRun run;
  std::vector<std::string> lines = ScenarioCommands();
  auto flush = [&](Ledger& db, std::vector<std::string>& pending) {
    if (pending.empty()) return;
    auto results = db.SubmitJsonBatch(pending);
    EXPECT_TRUE(results.ok()) << results.status();
    if (!results.ok()) return;
    for (const SubmitResult& r : *results) run.results.push_back(Describe(r));
    pending.clear();
  };
  size_t i = 0;
  while (i < lines.size()) {
    TempDir dir;
    std::unique_ptr<Ledger> db = OpenWithCache(dir.path(), cache_customers);
    std::vector<std::string> pending;
    std::vector<std::string> customers;
    for (; i < lines.size() && !lines[i].empty(); ++i) {
      pending.push_back(lines[i]);
      if (pending.size() >= batch) flush(*db, pending);
      const size_t at = lines[i].find("\"customer\":\"");
      if (at != std::string::npos) {
        const size_t from = at + 12;
        std::string customer = lines[i].substr(from, lines[i].find('"', from) - from);
        // Each customer once: read again after each of its commands, the
        // reads below grew with the square of a scenario's length (the test
        // took 35 s of CPU, 5 s with each customer read once).
        if (std::find(customers.begin(), customers.end(), customer) == customers.end()) {
          customers.push_back(std::move(customer));
        }
      }
    }
    ++i;
    flush(*db, pending);
    for (const std::string& c : customers) {
      run.results.push_back(Describe(db->GetBalance(c, kMaxTimeUs / 2)));
      // The customer index is stored state too: both caches write it alike.
      run.results.push_back(
          Describe(db->ReadCustomerEvents(c, 1, kMaxCustomerEventPage)));
    }
    std::vector<std::string> events = EventBytes(*db);
    run.events.insert(run.events.end(), events.begin(), events.end());
    // Both runs could share a bug of the cache (the default one drops
    // usages too): replay judges every command again from the log alone.
    if (cache_customers == 0 && batch == 1) ExpectReplays(*db, dir.path());
  }
  return run;
}

TEST(StateCache, ACacheOfNoCustomersDecidesEveryScenarioAsAFullCacheDoes) {
  for (size_t batch : {size_t{1}, size_t{5}}) {
    SCOPED_TRACE(absl::StrCat("batches of ", batch));
    PlayedRun full = Play(Options().state_cache_customers, batch);
    PlayedRun none = Play(0, batch);
    ASSERT_GT(full.results.size(), 500u);
    ASSERT_EQ(full.results.size(), none.results.size());
    for (size_t i = 0; i < full.results.size(); ++i) {
      ASSERT_EQ(full.results[i], none.results[i]) << "result " << i;
    }
    ASSERT_EQ(full.events, none.events);
  }
}

// Random ids from small pools, so usage, hold and refund ids come again
// (DUPLICATE_ID, UNKNOWN_HOLD, HOLD_NOT_PENDING, ...) long after the group
// that made them, and keys come again (duplicates, KEY_REUSED).
std::vector<std::string> RandomCommands(uint32_t seed, int n,
                                        int customers = 7) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  std::vector<std::string> out;
  int64_t now = 1772964000LL * 1000000;  // 2026-03-08T10:00:00Z
  for (int i = 0; i < n; ++i) {
    now += pick(0, 3) * 3600LL * 1000000;
    const std::string head = absl::StrCat(
        R"({"key":"k)", pick(0, 10) == 0 ? pick(0, i) : i, R"(","customer":"c)",
        pick(0, customers - 1), R"(","at":")", FormatTimeUs(now), "\",");
    const int id = pick(0, 12);
    switch (pick(0, 12)) {
      case 0: case 1:
        out.push_back(absl::StrCat(head, R"("purchase":{"purchase_id":"p)", id,
                                   R"(","credits":)", pick(1, 900),
                                   R"(,"amount_minor":999,"currency":"USD"}})"));
        break;
      case 2: case 3:
        out.push_back(absl::StrCat(head, R"("use":{"usage_id":"u)", id,
                                   R"(","category":"AI_PROCESSING","credits":)",
                                   pick(1, 200), "}}"));
        break;
      case 4:
        out.push_back(absl::StrCat(head, R"("hold":{"hold_id":"h)", id,
                                   R"(","credits":)", pick(1, 200),
                                   R"(,"expires_at":")",
                                   FormatTimeUs(now + 7200LL * 1000000), "\"}}"));
        break;
      case 5:
        out.push_back(absl::StrCat(head, R"("capture":{"hold_id":"h)", id,
                                   R"(","usage_id":"u)", pick(0, 12),
                                   R"(","category":"AI_PROCESSING","credits":)",
                                   pick(1, 100), "}}"));
        break;
      case 6:
        out.push_back(absl::StrCat(head, R"("release":{"hold_id":"h)", id, "\"}}"));
        break;
      case 7:
        out.push_back(absl::StrCat(head, R"("request_refund":{"refund_id":"r)", id,
                                   R"(","purchase_id":"p)", pick(0, 12), "\"}}"));
        break;
      case 8:
        out.push_back(absl::StrCat(
            head, pick(0, 1) ? R"("approve_refund")" : R"("deny_refund")",
            R"(:{"refund_id":"r)", id, "\"}}"));
        break;
      case 9:
        out.push_back(absl::StrCat(head, R"("compensate":{"adjustment_id":"a)", id,
                                   R"(","usage_id":"u)", pick(0, 12),
                                   R"(","credits":)", pick(1, 50),
                                   R"(,"verified_by":"ops"}})"));
        break;
      case 10:  // docs/contract.md section 11: scoped, prioritized free credits
        out.push_back(absl::StrCat(head, R"("grant":{"grant_id":"g)", id,
                                   R"(","credits":)", pick(1, 300),
                                   R"(,"reason":"promotion","priority":)", pick(0, 100),
                                   pick(0, 1) ? R"(,"applies_to":["AI_PROCESSING"])" : "",
                                   "}}"));
        break;
      case 11:
        out.push_back(absl::StrCat(head, R"("void_grant":{"lot_id":")",
                                   pick(0, 2) ? "g" : "a", id,
                                   R"(","reason":"promotion withdrawn"}})"));
        break;
      case 12:
        out.push_back(absl::StrCat(head, R"("hold":{"hold_id":"h)", id,
                                   R"(","credits":)", pick(1, 200),
                                   R"(,"category":")",
                                   pick(0, 1) ? "AI_PROCESSING" : "TELEPHONY_USAGE",
                                   R"(","expires_at":")",
                                   FormatTimeUs(now + 7200LL * 1000000), "\"}}"));
        break;
    }
  }
  return out;
}

// One run of `commands`, cut into batches ending where `batch_end` says, on
// a ledger whose cache holds `cache` customers: every answer, the balances
// of every `balance_step`-th of `customers` customers after each batch,
// the log, how many customers judging took from a read ahead and how many
// the groups listed for one.
struct CachedRun {
  std::vector<std::string> answers;
  std::vector<std::string> log;
  uint64_t read_ahead = 0;
  uint64_t listed_ahead = 0;
};

void PlayInBatches(const std::vector<std::string>& commands, size_t cache,
                   const std::function<size_t(size_t)>& batch_end,
                   int customers, int balance_step, CachedRun* run) {
  TempDir dir;
  std::unique_ptr<Ledger> db = OpenWithCache(dir.path(), cache);
  for (size_t i = 0; i < commands.size();) {
    const size_t end = std::min(commands.size(), batch_end(i));
    std::vector<std::string> batch(commands.begin() + i, commands.begin() + end);
    i = end;
    auto results = db->SubmitJsonBatch(batch);
    ASSERT_TRUE(results.ok()) << results.status();
    for (const SubmitResult& r : *results) run->answers.push_back(Describe(r));
    for (int c = 0; c < customers; c += balance_step) {
      run->answers.push_back(
          Describe(db->GetBalance(absl::StrCat("c", c), kMaxTimeUs / 2)));
    }
    ASSERT_LE(Impl(*db).CachedCustomersForTest(), cache) << "after command " << i;
  }
  run->read_ahead = Impl(*db).CustomersReadAheadForTest();
  run->listed_ahead = Impl(*db).CustomersListedAheadForTest();
  run->log = EventBytes(*db);
  ExpectReplays(*db, dir.path());
}

// The answers and logs of every run are the first run's.
void ExpectSameRuns(const std::vector<CachedRun>& runs) {
  for (size_t k = 1; k < runs.size(); ++k) {
    ASSERT_EQ(runs[0].answers.size(), runs[k].answers.size());
    for (size_t i = 0; i < runs[0].answers.size(); ++i) {
      ASSERT_EQ(runs[0].answers[i], runs[k].answers[i])
          << "answer " << i << " of run " << k;
    }
    ASSERT_EQ(runs[0].log, runs[k].log) << "run " << k;
  }
}

TEST(StateCache, RandomCommandsGetTheSameAnswersWhateverTheCacheHolds) {
  const std::vector<std::string> commands = RandomCommands(20260308, 3000);
  std::vector<CachedRun> runs;
  for (size_t cache : {size_t{100000}, size_t{2}, size_t{0}}) {
    SCOPED_TRACE(absl::StrCat("a cache of ", cache, " customers"));
    PlayInBatches(commands, cache, [](size_t i) { return i + 1 + i % 7; },
                  /*customers=*/7, /*balance_step=*/3, &runs.emplace_back());
    ASSERT_FALSE(HasFatalFailure());
  }
  ASSERT_GT(runs[0].log.size(), 300u);
  ExpectSameRuns(runs);
}

// Groups of hundreds of commands over hundreds of customers: those the cache
// does not hold are read ahead on a helper thread while the group is judged
// (customer_prefetch.h). The answers and the log must not change with it,
// groups of one customer's many commands and customers made by the group
// itself included.
TEST(StateCache, CustomersReadAheadForALargeGroupGetTheSameAnswers) {
  const std::vector<std::string> commands =
      RandomCommands(20261207, 6000, /*customers=*/300);
  std::vector<CachedRun> runs;
  for (size_t cache : {size_t{100000}, size_t{20}, size_t{0}}) {
    SCOPED_TRACE(absl::StrCat("a cache of ", cache, " customers"));
    PlayInBatches(commands, cache, [](size_t i) { return i + 100 + i % 400; },
                  /*customers=*/300, /*balance_step=*/37, &runs.emplace_back());
    ASSERT_FALSE(HasFatalFailure());
  }
  ASSERT_GT(runs[0].log.size(), 1000u);
  // A full cache misses only customers not known yet (a command for one
  // that never bought anything reads the store each time); the small
  // caches miss most customers, and those were listed to be read ahead.
  // How many of them the helper read before the leader needed them
  // depends on the threads' timing (a loaded machine slows the helper):
  // some, not how many.
  EXPECT_GT(runs[1].listed_ahead, runs[0].listed_ahead + 1000);
  EXPECT_GT(runs[2].listed_ahead, runs[0].listed_ahead + 1000);
  EXPECT_GT(runs[1].read_ahead, 0u);
  EXPECT_GT(runs[2].read_ahead, 0u);
  ExpectSameRuns(runs);
}

TEST(StateCache, HoldsNoMoreCustomersThanItsBoundOnceAGroupIsWritten) {
  TempDir dir;
  std::unique_ptr<Ledger> db = OpenWithCache(dir.path(), 3);
  for (int c = 0; c < 20; ++c) {
    auto r = db->SubmitJson(absl::StrCat(
        R"({"key":"k)", c, R"(","customer":"c)", c,
        R"(","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":1,"currency":"USD"}})"));
    ASSERT_TRUE(r.ok() && r->outcome == Outcome::kAccepted);
    EXPECT_LE(Impl(*db).CachedCustomersForTest(), 3u) << "after customer " << c;
  }
  EXPECT_EQ(Impl(*db).CachedCustomersForTest(), 3u);
  // Evicted customers are still known: read back from the store.
  auto balance = db->GetBalance("c0", kMaxTimeUs / 2);
  ASSERT_TRUE(balance.ok()) << balance.status();
  EXPECT_EQ(balance->available, 10);
  auto again = db->SubmitJson(
      R"({"key":"again","customer":"c0","at":"2026-03-08T11:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":1,"currency":"USD"}})");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->code, v1::DUPLICATE_ID);
}

TEST(StateCache, OpenReadsNoCustomerAndNoKey) {
  TempDir dir;
  {
    std::unique_ptr<Ledger> db = OpenWithCache(dir.path(), 1000);
    for (int c = 0; c < 50; ++c) {
      ASSERT_TRUE(db->SubmitJson(absl::StrCat(
                          R"({"key":"k)", c, R"(","customer":"c)", c,
                          R"(","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":1,"currency":"USD"}})"))
                      .ok());
    }
    EXPECT_EQ(Impl(*db).CachedCustomersForTest(), 50u);
  }
  std::unique_ptr<Ledger> db = OpenWithCache(dir.path(), 1000);
  EXPECT_EQ(Impl(*db).CachedCustomersForTest(), 0u);
  // Keys are read from the store when they come again.
  auto dup = db->SubmitJson(
      R"({"key":"k7","customer":"c7","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":1,"currency":"USD"}})");
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->outcome, Outcome::kDuplicate);
  EXPECT_EQ(dup->seq, 8u);
  auto reused = db->SubmitJson(
      R"({"key":"k7","customer":"c7","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p2","credits":10,"amount_minor":1,"currency":"USD"}})");
  ASSERT_TRUE(reused.ok());
  EXPECT_EQ(reused->code, v1::KEY_REUSED);
}

TEST(StateCache, AHotCustomerKeepsNoUsageInMemoryOnceItsGroupIsWritten) {
  TempDir dir;
  std::unique_ptr<Ledger> db = OpenWithCache(dir.path(), 1000);
  ASSERT_TRUE(db->SubmitJson(
                    R"({"key":"buy","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":100000,"amount_minor":1,"currency":"USD"}})")
                  .ok());
  for (int u = 0; u < 200; ++u) {
    ASSERT_TRUE(db->SubmitJson(absl::StrCat(
                        R"({"key":"use)", u, R"(","customer":"c1","at":"2026-03-08T11:00:00Z","use":{"usage_id":"u)",
                        u, R"(","category":"AI_PROCESSING","credits":1}})"))
                    .ok());
  }
  EXPECT_EQ(Impl(*db).CachedEntitiesForTest(), 0u);
  // Yet every usage is still found by id.
  auto again = db->SubmitJson(
      R"({"key":"use-again","customer":"c1","at":"2026-03-08T12:00:00Z","use":{"usage_id":"u17","category":"AI_PROCESSING","credits":1}})");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->code, v1::DUPLICATE_ID);
}

}  // namespace
}  // namespace ledger
