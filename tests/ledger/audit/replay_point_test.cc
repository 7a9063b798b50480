// Replay to a point of the log (ledger/replay.h: ReplayOptions,
// BalanceAsOfSeq; ledger/audit/rebuild_state.h: RebuildState): the state as it stood at seq N or at a time, checked up
// to there, never compared with the projections of the head.
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/audit/rebuild_state.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/time_util.h"
#include "projections/ledger_state.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::RawLog;
using testing::TestLedger;

int64_t Us(const char* rfc3339) {
  absl::StatusOr<int64_t> us = ParseTimeUs(rfc3339);
  EXPECT_TRUE(us.ok());
  return us.ok() ? *us : 0;
}

TEST(ReplayToAPoint, RebuildStateUntilSeqHoldsOnlyTheEventsUpToIt) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  ReplayOptions options;
  options.until_seq = 2;
  ReplayReport report;
  absl::StatusOr<std::unique_ptr<LedgerState>> state =
      RebuildState(db.dir(), options, &report);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_TRUE(report.ok);
  EXPECT_FALSE(report.full);
  EXPECT_EQ(report.events, 2u);
  EXPECT_EQ(report.last_seq, 2u);
  EXPECT_EQ((*state)->last_seq, 2u);
  ASSERT_NE((*state)->FindCustomer("c1"), nullptr);
  EXPECT_EQ((*state)->FindCustomer("c1")->TotalRemaining(), 940);
  EXPECT_EQ((*state)->FindCustomer("c2"), nullptr);
}

TEST(ReplayToAPoint, AFullReplayStillComparesTheProjections) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  absl::StatusOr<ReplayReport> report = ReplayLedger(db.dir(), ReplayOptions());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_TRUE(report->full);
  EXPECT_EQ(report->last_seq, 4u);
  EXPECT_EQ(report->customers, 2u);
}

TEST(ReplayToAPoint, AsOfStopsAtTheLastEventDatedAtOrBeforeTheTime) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  ReplayOptions options;
  // Event 3 (c2, 09:00) is the last one dated at or before 09:30, so the
  // state is the log up to it, c1's 10:00 and 11:00 events included.
  options.as_of_us = Us("2026-03-08T09:30:00Z");
  absl::StatusOr<ReplayReport> report = ReplayLedger(db.dir(), options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->last_seq, 3u);
  EXPECT_EQ(report->customers, 2u);

  options.as_of_us = Us("2026-03-08T11:59:59Z");
  EXPECT_EQ(ReplayLedger(db.dir(), options)->last_seq, 3u);
  options.as_of_us = Us("2026-03-08T12:00:00Z");
  EXPECT_EQ(ReplayLedger(db.dir(), options)->last_seq, 4u);
}

TEST(ReplayToAPoint, AsOfBeforeEveryEventIsTheEmptyState) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  ReplayOptions options;
  options.as_of_us = Us("2026-03-01T00:00:00Z");
  absl::StatusOr<std::unique_ptr<LedgerState>> state =
      RebuildState(db.dir(), options);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ((*state)->last_seq, 0u);
  EXPECT_TRUE((*state)->customers.empty());
}

TEST(ReplayToAPoint, UntilSeqPastTheHeadIsOutOfRange) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  ReplayOptions options;
  options.until_seq = 5;
  absl::StatusOr<ReplayReport> report = ReplayLedger(db.dir(), options);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(report.status().message()),
              HasSubstr("past the head of the log (seq 4)"));
}

TEST(ReplayToAPoint, ASeqAndATimeTogetherAreInvalid) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  ReplayOptions options;
  options.until_seq = 1;
  options.as_of_us = Us("2026-03-08T10:00:00Z");
  EXPECT_EQ(ReplayLedger(db.dir(), options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReplayToAPoint, APartialReplayChecksTheLogUpToItsPointOnly) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  {
    RawLog raw(db.dir());
    std::string value = raw.Get(3);
    value.back() ^= 0x01;
    raw.Put(3, value);
  }
  ReplayOptions options;
  options.until_seq = 2;
  absl::StatusOr<ReplayReport> before = ReplayLedger(db.dir(), options);
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->ok) << before->problem;

  options.until_seq = 3;
  ReplayReport report;
  absl::StatusOr<std::unique_ptr<LedgerState>> state =
      RebuildState(db.dir(), options, &report);
  EXPECT_EQ(state.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(state.status().message()), HasSubstr("event 3: "));
  EXPECT_EQ(report.first_bad_seq, 3u);
  EXPECT_EQ(report.last_seq, 2u) << "the rebuild got as far as event 2";
}

TEST(ReplayToAPoint, ProgressCountsTheEventsFoldedAgainstThePoint) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  ReplayOptions options;
  options.until_seq = 3;
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  options.progress = [&](uint64_t done, uint64_t total) {
    calls.emplace_back(done, total);
  };
  ASSERT_TRUE(ReplayLedger(db.dir(), options).ok());
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls.back(), std::make_pair(uint64_t{3}, uint64_t{3}));
}

TEST(BalanceAsOfSeq, IsTheBalanceAsItStoodAfterThatEvent) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  const int64_t at = Us("2026-03-08T13:00:00Z");
  absl::StatusOr<Balance> first = BalanceAsOfSeq(db.dir(), "c1", at, 1);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->available, 1000);
  EXPECT_EQ(first->refundable_credits, 1000);
  absl::StatusOr<Balance> last = BalanceAsOfSeq(db.dir(), "c1", at, 4);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->available, 900);
  ASSERT_EQ(last->lots.size(), 1u);
  EXPECT_EQ(last->lots[0].remaining, 900);
}

TEST(BalanceAsOfSeq, OfACustomerNotYetCreatedIsNotFound) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  absl::StatusOr<Balance> balance =
      BalanceAsOfSeq(db.dir(), "c2", Us("2026-03-08T13:00:00Z"), 2);
  EXPECT_EQ(balance.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(balance.status().message()), HasSubstr("at seq 2"));
}

}  // namespace
}  // namespace ledger
