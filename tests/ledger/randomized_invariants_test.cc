// Thousands of random commands across many customers (seeded, so a failure
// reproduces); after each one the ledger's books must still hold:
// - the trial balance of the whole ledger is zero per unit;
// - no lot is negative or above what it was granted;
// - each customer's own accounts mirror its state (CUSTOMER_LOTS is minus
//   the lots' remaining, CUSTOMER_HELD minus held, and so on);
// - credits are conserved: remaining + held + refund_pending equals what was
//   granted minus what was used, refunded, expired, forfeited, voided and
//   clawed back;
// - `available` is the sum of the lots not expired at the command's `at`,
//   and available_by_category (docs/contract.md section 11) is what a direct
//   computation over those lots and their applies_to gives, present exactly
//   when one of them is scoped;
// - each balance alert threshold is in alert exactly when the customer's
//   available credits as of its last accepted command are at or below it,
//   at most one top-up request is pending, requests are numbered 1, 2, ...
//   and an ACTIVE customer with automatic top-up on and no pending request
//   is above `below` (docs/contract.md section 12);
// and at checkpoints replay reproduces the stored state after a reopen.
// Lots are drawn scoped and prioritized, holds with and without a category,
// and promotional grants and voids among the rest.
// The liability report (ledger/liability.h) is folded beside the same kind
// of sequence: it must add up after every command and owe what the
// customers' balances hold.
#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "ledger/audit/liability_fold.h"
#include "ledger/customer_reads.h"
#include "ledger/ledger.h"
#include "ledger/liability.h"
#include "ledger/replay.h"
#include "ledger/time_util.h"
#include "projections/apply.h"
#include "projections/balance.h"
#include "tests/test_util.h"
#include "tools/workload/command_generator.h"
#include "tools/workload/command_json.h"

namespace ledger {
namespace {

using testing::StateCacheName;
using testing::StateCacheSizes;
using testing::TestLedger;
using testing::WithStateCache;

// Sums of postings per customer and account, and per unit for the ledger.
struct Books {
  std::map<std::string, __int128> trial;  // unit -> sum of all postings
  std::map<std::pair<std::string, int>, int64_t> by_customer;

  void Add(const v1::Event& event) {
    for (const v1::Posting& p : event.postings()) {
      trial[p.unit()] += p.amount();
      if (p.unit() == "CREDITS") {
        by_customer[{event.header().customer(), p.account()}] += p.amount();
      }
    }
  }
  int64_t Of(const std::string& customer, v1::Account account) const {
    auto it = by_customer.find({customer, account});
    return it == by_customer.end() ? 0 : it->second;
  }
};

// Every randomized test runs twice: with the default state cache, and with
// one customer cached, so that almost every command reads its customer (and
// the usage, hold or refund it names) back from the store.
class RandomizedInvariants : public ::testing::TestWithParam<size_t> {
 protected:
  Options WithCache() const { return WithStateCache(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(StateCache, RandomizedInvariants, StateCacheSizes(),
                         StateCacheName);

// The generator of tools/workload (command_generator.h) with this test's
// mix, drawing from a seeded stream so a failure reproduces from its seed.
class SeededCommands {
 public:
  explicit SeededCommands(uint32_t seed)
      : choices_(seed), gen_(workload::CommandMix::Randomized()) {}
  // The next command as a JSON line.
  std::string Next() { return workload::CommandJson(gen_.Next(choices_)); }
  const std::string& customer() const { return gen_.customer(); }
  int64_t now_us() const { return gen_.now_us(); }
  int64_t last_at_us() const { return gen_.last_at_us(); }

 private:
  workload::SeededChoices choices_;
  workload::CommandGenerator gen_;
};

// What the test knows of a customer's top-up requests from the results
// alone (docs/contract.md section 12).
struct TopUpModel {
  int64_t last_at_us = 0;  // of the customer's last accepted command
  uint64_t requests = 0;   // made so far
  std::string pending;     // the request pending, if any
};

// The value of "name":"..." in a generated command; empty when absent.
std::string FieldOrEmpty(const std::string& json, const std::string& name) {
  const std::string start = absl::StrCat("\"", name, "\":\"");
  const size_t at = json.find(start);
  if (at == std::string::npos) return "";
  const size_t from = at + start.size();
  return json.substr(from, json.find('"', from) - from);
}

// Follows one result in the model and checks the alerts and top-up of
// docs/contract.md section 12 against the customer's balance as of its last
// command.
void CheckAlertsAndTopUp(Ledger& db, const std::string& id, const std::string& json,
                         int64_t at_us, const SubmitResult& r, TopUpModel& model,
                         const std::string& after) {
  if (r.outcome == Outcome::kAccepted) {
    model.last_at_us = at_us;
    if (!FieldOrEmpty(json, "top_up_request_id").empty() ||
        json.find("decline_top_up") != std::string::npos) {
      model.pending.clear();  // accepted: it named the pending request
    }
    if (r.top_up.has_value()) {
      ASSERT_TRUE(model.pending.empty()) << "a second pending request " << after;
      ASSERT_EQ(r.top_up->request_id, absl::StrCat("topup-", ++model.requests)) << after;
      model.pending = r.top_up->request_id;
    }
  } else {
    ASSERT_TRUE(r.alerts.empty() && !r.top_up.has_value()) << after;
  }
  auto b = db.GetBalance(id, model.last_at_us == 0 ? kMaxTimeUs : model.last_at_us);
  if (absl::IsNotFound(b.status())) return;
  ASSERT_TRUE(b.ok()) << b.status();
  for (const AlertBalance& a : b->alerts) {
    ASSERT_EQ(a.in_alert, b->available <= a.credits)
        << "threshold " << a.code << " at " << a.credits << ", available "
        << b->available << ", " << after;
  }
  const bool pending = b->auto_top_up.has_value() && b->auto_top_up->pending.has_value();
  ASSERT_EQ(pending ? b->auto_top_up->pending->request_id : "", model.pending) << after;
  if (b->status == v1::ACTIVE && b->auto_top_up.has_value() &&
      b->auto_top_up->below.has_value() && !pending) {
    ASSERT_GT(b->available, *b->auto_top_up->below)
        << "active, on, no request, at or below `below`: " << after;
  }
}

void CheckCustomer(Ledger& db, const Books& books, const std::string& id,
                   const std::string& after) {
  auto b = db.GetBalance(id, kMaxTimeUs);
  if (absl::IsNotFound(b.status())) return;
  ASSERT_TRUE(b.ok()) << b.status();
  int64_t remaining = 0, granted = 0;
  for (const LotBalance& lot : b->lots) {
    ASSERT_GE(lot.remaining, 0) << after;
    ASSERT_LE(lot.remaining, lot.granted) << after;
    remaining += lot.remaining;
    granted += lot.granted;
  }
  ASSERT_EQ(-books.Of(id, v1::CUSTOMER_LOTS), remaining) << after;
  ASSERT_EQ(-books.Of(id, v1::CUSTOMER_HELD), b->held) << after;
  ASSERT_EQ(-books.Of(id, v1::CUSTOMER_REFUND_PENDING), b->refund_pending) << after;
  int64_t gone = -books.Of(id, v1::CREDITS_CONSUMED) - books.Of(id, v1::CREDITS_REFUNDED) -
                 books.Of(id, v1::CREDITS_EXPIRED) - books.Of(id, v1::CREDITS_FORFEITED) -
                 books.Of(id, v1::CREDITS_CLAWED_BACK) - books.Of(id, v1::CREDITS_VOIDED);
  ASSERT_EQ(remaining + b->held + b->refund_pending, granted - gone) << after;
}

// docs/contract.md sections 1 and 11, computed straight from the lots a
// balance at `at_us` lists: available over the lots not expired then, and
// per category over those that apply to it.
void CheckAvailableByCategory(Ledger& db, const std::string& id, int64_t at_us,
                              const std::string& after) {
  auto b = db.GetBalance(id, at_us);
  if (absl::IsNotFound(b.status())) return;
  ASSERT_TRUE(b.ok()) << b.status();
  int64_t available = 0;
  bool scoped = false;
  std::map<v1::Category, int64_t> by_category;
  for (const LotBalance& lot : b->lots) {
    if (lot.expires_at_us.has_value() && *lot.expires_at_us <= at_us) continue;
    available += lot.remaining;
    scoped = scoped || !lot.applies_to.empty();
    for (int c = 1; c <= v1::Category_MAX; ++c) {
      const auto category = static_cast<v1::Category>(c);
      if (lot.applies_to.empty() ||
          std::find(lot.applies_to.begin(), lot.applies_to.end(), category) !=
              lot.applies_to.end()) {
        by_category[category] += lot.remaining;
      }
    }
  }
  ASSERT_EQ(b->available, available) << after;
  if (!scoped) {
    ASSERT_TRUE(b->available_by_category.empty()) << after;
    return;
  }
  ASSERT_EQ(b->available_by_category.size(), static_cast<size_t>(v1::Category_MAX)) << after;
  for (size_t i = 0; i < b->available_by_category.size(); ++i) {
    const CategoryCredits& c = b->available_by_category[i];
    ASSERT_EQ(c.category, static_cast<v1::Category>(i + 1)) << after;
    ASSERT_EQ(c.credits, by_category[c.category])
        << v1::Category_Name(c.category) << " " << after;
  }
}

TEST_P(RandomizedInvariants, BooksBalanceAndCreditsAreConservedAfterEveryCommand) {
  constexpr uint32_t kSeed = 20261129;
  constexpr int kCommands = 4000;
  TestLedger db(WithCache());
  SeededCommands gen(kSeed);
  Books books;
  std::map<std::string, TopUpModel> top_ups;
  size_t alert_moves = 0;
  uint64_t read_to = 0;
  std::map<std::string, int> outcomes;
  for (int i = 1; i <= kCommands; ++i) {
    std::string json = gen.Next();
    SubmitResult r = db.Json(json);
    ++outcomes[testing::OutcomeName(r)];
    ASSERT_TRUE(db->ReadEvents(read_to + 1, [&](const v1::Event& e) {
      books.Add(e);
      read_to = e.header().seq();
      return true;
    }).ok());
    for (const auto& [unit, sum] : books.trial) {
      ASSERT_TRUE(sum == 0) << "trial balance in " << unit << " after " << json;
    }
    std::string after = absl::StrCat("seed ", kSeed, ", command ", i, ": ", json);
    CheckCustomer(*db, books, gen.customer(), after);
    CheckAvailableByCategory(*db, gen.customer(), gen.now_us(), after);
    if (::testing::Test::HasFatalFailure()) return;
    CheckAlertsAndTopUp(*db, gen.customer(), json, gen.last_at_us(), r,
                        top_ups[gen.customer()], after);
    alert_moves += r.alerts.size();
    if (::testing::Test::HasFatalFailure()) return;
    if (i % 1000 == 0) {
      db.Close();
      auto report = ReplayLedger(db.dir());
      ASSERT_TRUE(report.ok()) << report.status();
      ASSERT_TRUE(report->ok) << "seq " << report->first_bad_seq << ": " << report->problem;
      db.Reopen();
    }
  }
  // The mix must exercise acceptance and many kinds of rejection, or the
  // test proves little.
  EXPECT_GT(outcomes["ACCEPTED"], kCommands / 5);
  EXPECT_GT(outcomes.size(), 10u);
  // ... and the rules of docs/contract.md section 12 must have fired.
  uint64_t requests = 0;
  for (const auto& [id, model] : top_ups) requests += model.requests;
  EXPECT_GT(requests, 10u);
  EXPECT_GT(alert_moves, 20u);
  std::cout << "top-up requests: " << requests << ", alert moves: " << alert_moves << "\n";
  // The kinds of docs/contract.md section 11 were judged both ways.
  for (const char* code : {"CATEGORY_MISMATCH", "UNKNOWN_LOT", "NOT_VOIDABLE"}) {
    EXPECT_GT(outcomes[code], 0) << code;
  }
  for (const auto& [code, count] : outcomes) {
    std::cout << code << ": " << count << "\n";
  }
}

// Every field of a balance a customer's past could change, on one line.
std::string Describe(const absl::StatusOr<Balance>& b) {
  if (!b.ok()) return absl::StrCat("error ", absl::StatusCodeToString(b.status().code()));
  std::string out = absl::StrCat(v1::CustomerStatus_Name(b->status), " available ",
                                 b->available, " held ", b->held, " pending ",
                                 b->refund_pending, " refundable ",
                                 b->refundable_credits);
  for (const LotBalance& lot : b->lots) {
    absl::StrAppend(&out, " ", lot.lot_id, ":", lot.remaining, "/", lot.granted,
                    lot.voided ? "v" : "");
  }
  for (const CashAmount& cash : b->refundable_cash) {
    absl::StrAppend(&out, " ", cash.currency, ":", cash.amount_minor);
  }
  for (const ExpiringCredits& day : b->expiring) {
    absl::StrAppend(&out, " exp ", day.date, "=", day.credits);
  }
  if (b->subscription.has_value()) {
    absl::StrAppend(&out, " sub ", b->subscription->plan, " ",
                    b->subscription->cancelled);
  }
  return out;
}

// The definition of `balance --as-of T` (docs/ledgerctl.md), computed the
// long way: every event of the log with `at` <= T folded in log order (each
// customer's, and every set_policy), then the customer's balance at T.
absl::StatusOr<Balance> FoldOfTheLogUpTo(const std::vector<v1::Event>& log,
                                         const std::string& customer,
                                         int64_t t_us) {
  LedgerState state;
  for (const v1::Event& e : log) {
    if (e.header().at_us() > t_us) continue;
    state.last_seq = e.header().seq() - 1;
    absl::Status applied = ApplyEvent(e, state, nullptr);
    if (!applied.ok()) return applied;
  }
  const CustomerState* c = state.FindCustomer(customer);
  if (c == nullptr) return absl::NotFoundError(customer);
  return ComputeBalance(*c, state.policies, t_us);
}

// Ledger::GetBalanceAsOf and its reader-side twin (`balance --as-of`) equal
// the fold of the log up to T for random customers and times; and where the
// log is in time order around T, what `replay --as-of T` rebuilds
// (BalanceAsOfSeq at the seq it stops after).
TEST_P(RandomizedInvariants, BalanceAsOfEqualsTheFoldOfTheLogUpToThatTime) {
  constexpr uint32_t kSeed = 20261206;
  TestLedger db(WithCache());
  SeededCommands gen(kSeed);
  for (int i = 0; i < 1500; ++i) db.Json(gen.Next());
  std::vector<v1::Event> log;
  ASSERT_TRUE(db->ReadEvents(1, [&](const v1::Event& e) {
    log.push_back(e);
    return true;
  }).ok());
  ASSERT_GT(log.size(), 300u);
  const int64_t first = log.front().header().at_us();
  const int64_t last = log.back().header().at_us();
  std::mt19937 rng(kSeed);
  auto pick_time = [&] {
    return std::uniform_int_distribution<int64_t>(first - 3600LL * 1000000,
                                                  last + 3600LL * 1000000)(rng);
  };
  auto pick_customer = [&] {
    return absl::StrCat("c", std::uniform_int_distribution<int>(0, 24)(rng));
  };
  int found = 0;
  for (int round = 0; round < 60; ++round) {
    const int64_t t = pick_time();
    const std::string c = pick_customer();
    const std::string expected = Describe(FoldOfTheLogUpTo(log, c, t));
    if (expected.rfind("error", 0) != 0) ++found;
    ASSERT_EQ(Describe(db->GetBalanceAsOf(c, t)), expected)
        << c << " as of " << FormatTimeUs(t);
  }
  EXPECT_GT(found, 30) << "most rounds must meet a customer that existed";
  db.Close();
  int compared_with_replay = 0;
  for (int round = 0; round < 8; ++round) {
    const int64_t t = pick_time();
    const std::string c = pick_customer();
    const std::string expected = Describe(FoldOfTheLogUpTo(log, c, t));
    ASSERT_EQ(Describe(ReadBalanceAsOf(db.dir(), c, t)), expected)
        << c << " as of " << FormatTimeUs(t);
    ReplayOptions until;
    until.as_of_us = t;
    auto replayed = ReplayLedger(db.dir(), until);
    ASSERT_TRUE(replayed.ok()) << replayed.status();
    ASSERT_TRUE(replayed->ok) << replayed->problem;
    // replay --as-of cuts the log by position: the same as the fold by
    // time when no event before the cut is later than T.
    const uint64_t cut = replayed->last_seq;
    const bool in_order = std::all_of(log.begin(), log.end(), [&](const v1::Event& e) {
      return (e.header().seq() <= cut) == (e.header().at_us() <= t);
    });
    if (!in_order || cut == 0) continue;
    ++compared_with_replay;
    EXPECT_EQ(Describe(BalanceAsOfSeq(db.dir(), c, t, cut)), expected)
        << c << " as of " << FormatTimeUs(t) << ", replay cut at " << cut;
  }
  std::cout << "compared with replay --as-of: " << compared_with_replay << "\n";
}

// What the liability report's closing must equal: the customers' balances.
struct Owed {
  __int128 credits = 0;                       // remaining + held + refund_pending
  std::map<std::string, __int128> by_source;  // remaining only
  std::map<std::string, __int128> cash;       // unused cost of purchase lots
};

struct LotCost {
  int64_t amount_minor = 0;
  std::string currency;
};

// `costs` (customer '/' lot -> cost basis) comes from the LotGranted events,
// since a balance does not show a lot's price.
Owed OwedByBalances(Ledger& db, const std::map<std::string, LotCost>& costs) {
  Owed owed;
  for (int c = 0; c <= 24; ++c) {
    const std::string id = absl::StrCat("c", c);
    auto b = db.GetBalance(id, kMaxTimeUs);
    if (!b.ok()) continue;  // never created
    owed.credits += b->held + b->refund_pending;
    for (const LotBalance& lot : b->lots) {
      owed.credits += lot.remaining;
      owed.by_source[absl::StrCat("CREDITS:", v1::LotSource_Name(lot.source))] +=
          lot.remaining;
      if (lot.source != v1::PURCHASE) continue;
      const LotCost& cost = costs.at(absl::StrCat(id, "/", lot.lot_id));
      owed.cash[cost.currency] +=
          cost.amount_minor - static_cast<__int128>(cost.amount_minor) *
                                  (lot.granted - lot.remaining) / lot.granted;
    }
  }
  return owed;
}

// The value of "name":"..." in a generated command.
std::string Field(const std::string& json, const std::string& name) {
  const std::string start = absl::StrCat("\"", name, "\":\"");
  const size_t from = json.find(start) + start.size();
  return json.substr(from, json.find('"', from) - from);
}

// The generator's refunds rarely name a pending refund, so every third
// purchase is partly used and its refund requested right away, and every
// other request approved (the rest stay pending until the clean-up).
void RefundSomePurchases(TestLedger& db, const std::string& json,
                         const SubmitResult& result, const std::string& customer,
                         int i, int& purchases, std::vector<std::string>& pending) {
  if (json.find("\"purchase\":") == std::string::npos ||
      testing::OutcomeName(result) != "ACCEPTED" || purchases++ % 3 != 0) {
    return;
  }
  const std::string head = absl::StrCat(R"(","customer":")", customer,
                                        R"(","at":")", Field(json, "at"), "\",");
  db.Json(absl::StrCat(R"({"key":"ru-)", i, head,
                       R"("use":{"usage_id":"ru)", i,
                       R"(","category":"AI_PROCESSING","credits":1}})"));
  const std::string refund = absl::StrCat("rf", i);
  if (testing::OutcomeName(db.Json(absl::StrCat(
          R"({"key":"rq-)", i, head, R"("request_refund":{"refund_id":")", refund,
          R"(","purchase_id":")", Field(json, "purchase_id"), "\"}}"))) != "ACCEPTED") {
    return;
  }
  if (i % 2 == 0) {
    db.Json(absl::StrCat(R"({"key":"ra-)", i, head,
                         R"("approve_refund":{"refund_id":")", refund, "\"}}"));
  } else {
    pending.push_back(absl::StrCat(customer, " ", refund));
  }
}

__int128 ClosingCredits(const LiabilityReport& report) {
  __int128 sum = 0;
  for (const LiabilityRow& row : report.units) {
    if (row.unit.rfind("CREDITS:", 0) == 0) sum += row.closing;
  }
  return sum;
}

TEST_P(RandomizedInvariants, LiabilityAddsUpAfterEveryCommandAndOwesWhatBalancesHold) {
  constexpr uint32_t kSeed = 20261201;
  constexpr int kCommands = 3000;
  constexpr int64_t kDayUs = 86400LL * 1000000;
  const int64_t from_us = 1772964000000000 + 60 * kDayUs;  // day 60 of the run
  TestLedger db(WithCache());
  SeededCommands gen(kSeed);
  LiabilityFold fold(from_us, kMaxTimeUs);
  std::map<std::string, LotCost> costs;
  uint64_t read_to = 0;
  auto fold_new_events = [&](const std::string& after) {
    absl::Status folded = absl::OkStatus();
    ASSERT_TRUE(db->ReadEvents(read_to + 1, [&](const v1::Event& e) {
      read_to = e.header().seq();
      for (const v1::Effect& effect : e.effects()) {
        if (!effect.has_lot_granted()) continue;
        const v1::LotState& lot = effect.lot_granted().lot();
        costs[absl::StrCat(e.header().customer(), "/", lot.lot_id())] =
            LotCost{lot.amount_minor(), lot.currency()};
      }
      folded = fold.Add(e);
      return folded.ok();
    }).ok());
    ASSERT_TRUE(folded.ok()) << folded << " " << after;
  };
  std::vector<std::string> pending;  // "customer refund_id"
  int purchases = 0;
  for (int i = 1; i <= kCommands; ++i) {
    const std::string json = gen.Next();
    RefundSomePurchases(db, json, db.Json(json), gen.customer(), i, purchases,
                        pending);
    const std::string after = absl::StrCat("seed ", kSeed, ", command ", i, ": ", json);
    fold_new_events(after);
    if (::testing::Test::HasFatalFailure()) return;
    absl::StatusOr<LiabilityReport> report = fold.Report();
    ASSERT_TRUE(report.ok()) << report.status() << " " << after;
    absl::Status adds_up = CheckLiabilityIdentity(*report);
    ASSERT_TRUE(adds_up.ok()) << adds_up << " " << after;
    if (i % 250 == 0) {
      ASSERT_TRUE(ClosingCredits(*report) == OwedByBalances(*db, costs).credits) << after;
    }
  }
  // Empty every hold and pending refund (an expire far ahead releases the
  // holds and sweeps expiring lots; denials return the frozen credits), so
  // each lot's unused cost follows from its remaining alone.
  for (int c = 0; c <= 24; ++c) {
    db.Json(absl::StrCat(R"({"key":"end-c)", c, R"(","customer":"c)", c,
                         R"(","at":"2028-01-01T00:00:00Z","expire":{}})"));
    for (int r = 0; r <= 30; ++r) {
      db.Json(absl::StrCat(R"({"key":"end-c)", c, "-r", r, R"(","customer":"c)", c,
                           R"(","at":"2028-01-01T00:00:00Z","deny_refund":{"refund_id":"r)",
                           r, "\"}}"));
    }
  }
  for (const std::string& customer_refund : pending) {
    const std::string customer = customer_refund.substr(0, customer_refund.find(' '));
    const std::string refund = customer_refund.substr(customer.size() + 1);
    db.Json(absl::StrCat(R"({"key":"end-)", refund, R"(","customer":")", customer,
                         R"(","at":"2028-01-01T00:00:00Z","deny_refund":{"refund_id":")",
                         refund, "\"}}"));
  }
  fold_new_events("the clean-up");
  if (::testing::Test::HasFatalFailure()) return;
  absl::StatusOr<LiabilityReport> end = fold.Report();
  ASSERT_TRUE(end.ok()) << end.status();
  ASSERT_TRUE(CheckLiabilityIdentity(*end).ok());
  Owed owed = OwedByBalances(*db, costs);
  EXPECT_TRUE(ClosingCredits(*end) == owed.credits);
  size_t currencies = 0;
  for (const LiabilityRow& row : end->units) {
    if (row.unit.rfind("CREDITS:", 0) == 0) {
      EXPECT_TRUE(row.closing == owed.by_source[row.unit]) << row.unit;
    } else {
      ++currencies;
      EXPECT_TRUE(row.closing == owed.cash[row.unit]) << row.unit;
    }
  }
  EXPECT_EQ(currencies, 2u);  // USD and EUR
  // Read from the store in three consecutive periods: each closing is the
  // next opening, and the last closing is the fold's.
  db.Close();
  const std::vector<int64_t> bounds = {kMinTimeUs, from_us, from_us + 90 * kDayUs,
                                       kMaxTimeUs};
  std::vector<LiabilityReport> periods;
  for (size_t p = 0; p + 1 < bounds.size(); ++p) {
    absl::StatusOr<LiabilityReport> r = LiabilityReportFor(db.dir(), bounds[p], bounds[p + 1]);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(CheckLiabilityIdentity(*r).ok());
    periods.push_back(*r);
  }
  for (size_t u = 0; u < end->units.size(); ++u) {
    ASSERT_EQ(periods.back().units.size(), end->units.size());
    EXPECT_TRUE(periods.back().units[u].closing == end->units[u].closing);
    EXPECT_TRUE(periods[1].units[u].opening == end->units[u].opening);
    for (size_t p = 0; p + 1 < periods.size(); ++p) {
      ASSERT_EQ(periods[p].units[u].unit, periods[p + 1].units[u].unit);
      EXPECT_TRUE(periods[p].units[u].closing == periods[p + 1].units[u].opening)
          << periods[p].units[u].unit << " after period " << p;
    }
  }
  // Every flow of both currencies happened, before or in the period, or
  // the test proves little.
  for (size_t u = 0; u < end->units.size(); ++u) {
    const LiabilityRow& before = periods[0].units[u];
    const LiabilityRow& in = end->units[u];
    if (in.unit.rfind("CREDITS:", 0) == 0) continue;
    const std::pair<const char*, __int128> flows[] = {
        {"used", before.used + in.used},
        {"expired", before.expired + in.expired},
        {"forfeited", before.forfeited + in.forfeited},
        {"refunded", before.refunded + in.refunded},
        {"charged_back", before.charged_back + in.charged_back}};
    for (const auto& [name, flow] : flows) {
      EXPECT_TRUE(flow > 0) << in.unit << " " << name;
    }
  }
}

}  // namespace
}  // namespace ledger
