// Thousands of random commands across many customers (seeded, so a failure
// reproduces); after each one the ledger's books must still hold:
// - the trial balance of the whole ledger is zero per unit;
// - no lot is negative or above what it was granted;
// - each customer's own accounts mirror its state (CUSTOMER_LOTS is minus
//   the lots' remaining, CUSTOMER_HELD minus held, and so on);
// - credits are conserved: remaining + held + refund_pending equals what was
//   granted minus what was used, refunded, expired, forfeited and clawed back;
// and at checkpoints replay reproduces the stored state after a reopen.
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/time_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::TestLedger;

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

class CommandGenerator {
 public:
  explicit CommandGenerator(uint32_t seed) : rng_(seed) {}

  std::string Next() {
    ++n_;
    now_us_ += Pick(0, 4) * 3600LL * 1000000;  // time moves 0-4 hours
    int64_t at = now_us_;
    if (Pick(0, 50) == 0) at -= 86400LL * 1000000;  // sometimes backwards
    customer_ = absl::StrCat("c", Pick(0, 24));
    std::string head =
        absl::StrCat(R"({"key":"k)", Pick(0, 20) == 0 ? Pick(1, n_) : n_,
                     R"(","customer":")", customer_, R"(","at":")",
                     FormatTimeUs(at), "\",");
    auto later = [&](int max_days) {
      return FormatTimeUs(at + Pick(1, max_days * 24) * 3600LL * 1000000);
    };
    auto id = [&](const char* prefix) { return absl::StrCat(prefix, Pick(0, 30)); };
    // Abuse (14-16) is rare and terminations rarer, so customers live long
    // enough to exercise the rest.
    switch (Pick(0, 27)) {
      case 0: case 1: case 2: case 20: case 21: case 22:
        return absl::StrCat(head, R"("purchase":{"purchase_id":")", id("p"),
                            R"(","credits":)", Pick(1, 5000),
                            R"(,"amount_minor":)", Pick(0, 99999),
                            R"(,"currency":")", Pick(0, 1) ? "USD" : "EUR",
                            Pick(0, 2) ? absl::StrCat(R"(","expires_at":")", later(30)) : "",
                            "\"}}");
      case 3: case 4: case 5: case 23: case 24: case 25:
        return absl::StrCat(head, R"("use":{"usage_id":")", id("u"),
                            R"(","category":"AI_PROCESSING","credits":)",
                            Pick(1, 800), "}}");
      case 6: case 7:
        return absl::StrCat(head, R"("hold":{"hold_id":")", id("h"),
                            R"(","credits":)", Pick(1, 800),
                            R"(,"expires_at":")", later(2), "\"}}");
      case 8:
        return absl::StrCat(head, R"("capture":{"hold_id":")", id("h"),
                            R"(","usage_id":")", id("u"),
                            R"(","category":"TELEPHONY_USAGE","provider":"TWILIO","credits":)",
                            Pick(1, 800), "}}");
      case 9:
        return absl::StrCat(head, R"("release":{"hold_id":")", id("h"), "\"}}");
      case 10:
        return absl::StrCat(head, R"("request_refund":{"refund_id":")", id("r"),
                            R"(","purchase_id":")", id("p"), "\"}}");
      case 11:
        return absl::StrCat(head, Pick(0, 1) ? R"("approve_refund")" : R"("deny_refund")",
                            R"(:{"refund_id":")", id("r"), "\"}}");
      case 12:
        return absl::StrCat(head, R"("compensate":{"adjustment_id":")", id("a"),
                            R"(","usage_id":")", id("u"), R"(","credits":)",
                            Pick(1, 300), R"(,"verified_by":"ops"}})");
      case 13:
        return absl::StrCat(head, R"("expire":{}})");
      case 14:
        return absl::StrCat(head, Pick(0, 7) ? R"("suspend")" : R"("terminate")",
                            R"(:{"reason":"FRAUD"}})");
      case 15: case 26:
        return absl::StrCat(head, Pick(0, 3) ? R"("reinstate":{}})" : R"("forfeit":{}})");
      case 16:
        return absl::StrCat(head, R"("chargeback":{"purchase_id":")", id("p"),
                            R"(","contacted_support":)", Pick(0, 4) ? "true" : "false", "}}");
      case 17:
        return absl::StrCat(head, R"("subscribe":{"period_id":")", id("s"),
                            R"(","plan":"pro","credits":)", Pick(1, 3000),
                            R"(,"amount_minor":4900,"currency":"USD","period_end":")",
                            later(30), "\"}}");
      case 18:
        return absl::StrCat(head, R"("renew":{"period_id":")", id("s"),
                            R"(","credits":1000,"amount_minor":4900,"period_end":")",
                            later(60), "\"}}");
      default:
        return absl::StrCat(head, R"("cancel_subscription":{}})");
    }
  }
  const std::string& customer() const { return customer_; }

 private:
  int64_t Pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  std::mt19937 rng_;
  int64_t n_ = 0;
  int64_t now_us_ = 1772964000000000;  // 2026-03-08T10:00:00Z
  std::string customer_;
};

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
                 books.Of(id, v1::CREDITS_CLAWED_BACK);
  ASSERT_EQ(remaining + b->held + b->refund_pending, granted - gone) << after;
}

TEST(RandomizedInvariants, BooksBalanceAndCreditsAreConservedAfterEveryCommand) {
  constexpr uint32_t kSeed = 20261129;
  constexpr int kCommands = 4000;
  TestLedger db;
  CommandGenerator gen(kSeed);
  Books books;
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
  for (const auto& [code, count] : outcomes) {
    std::cout << code << ": " << count << "\n";
  }
}

}  // namespace
}  // namespace ledger
