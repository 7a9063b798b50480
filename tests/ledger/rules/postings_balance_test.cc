// The one per-unit balance check (rules/postings.h), as the write path and
// the audit (event_check.cc) both use it.
#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "ledger/audit/event_check.h"
#include "ledger/base/deterministic_bytes.h"
#include "ledger/base/sha256.h"
#include "ledger/rules/postings.h"
#include "ledger/storage/storage_layout.h"

namespace ledger {
namespace {

using Postings = google::protobuf::RepeatedPtrField<v1::Posting>;

void Post(Postings& postings, v1::Account account, const std::string& unit,
          int64_t amount) {
  v1::Posting& p = *postings.Add();
  p.set_account(account);
  p.set_unit(unit);
  p.set_amount(amount);
}

TEST(PostingsBalanceTest, AnEntryBalancedInEveryUnitHasNoUnbalancedUnit) {
  Postings postings;
  Post(postings, v1::CREDITS_SOLD, kCreditsUnit, 100);
  Post(postings, v1::CUSTOMER_LOTS, kCreditsUnit, -100);
  Post(postings, v1::CASH, "USD", 500);
  Post(postings, v1::CUSTOMER_PREPAID, "USD", -500);
  EXPECT_EQ(FirstUnbalancedUnit(postings), std::nullopt);
  EXPECT_TRUE(PostingsBalance(postings));
}

TEST(PostingsBalanceTest, TheFirstUnitThatDoesNotSumToZeroIsNamed) {
  Postings postings;
  Post(postings, v1::CREDITS_SOLD, kCreditsUnit, 100);
  Post(postings, v1::CUSTOMER_LOTS, kCreditsUnit, -100);
  Post(postings, v1::CASH, "USD", 500);
  Post(postings, v1::CUSTOMER_PREPAID, "USD", -499);
  Post(postings, v1::CASH, "EUR", 1);
  EXPECT_EQ(FirstUnbalancedUnit(postings), "USD");
  EXPECT_FALSE(PostingsBalance(postings));
}

TEST(PostingsBalanceTest, SumsOfHugeAmountsDoNotWrapAroundToZero) {
  // In int64 these wrap to exactly 0; the true sum is 2^64.
  Postings postings;
  Post(postings, v1::CASH, "USD", std::numeric_limits<int64_t>::max());
  Post(postings, v1::CASH, "USD", std::numeric_limits<int64_t>::max());
  Post(postings, v1::CASH, "USD", 2);
  EXPECT_EQ(FirstUnbalancedUnit(postings), "USD");
}

TEST(PostingsBalanceTest, TheAuditNamesTheUnitInWhichAStoredEntryDoesNotBalance) {
  const std::string prev(kHashBytes, '\0');
  v1::Event event;
  event.mutable_header()->set_seq(1);
  Post(*event.mutable_postings(), v1::CASH, "EUR", 7);
  const std::string bytes = SerializeDeterministic(event);
  const std::string value = Sha256(prev, bytes) + bytes;
  google::protobuf::Arena arena;
  CheckedEvent checked = CheckStoredEvent(EventKey(1), value, 1, prev, &arena);
  EXPECT_EQ(checked.problem, "journal entry does not balance in EUR");
}

TEST(PostingsBalanceDeathTest, MakingAnEntryFromANegativeMoveStopsTheProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  google::protobuf::RepeatedPtrField<v1::Effect> effects;
  effects.Add()->mutable_hold_placed()->mutable_hold()->set_credits(-5);
  EXPECT_DEATH(PostingsFor(effects), "negative move of -5 CREDITS");
}

}  // namespace
}  // namespace ledger
