// docs/contract.md section 15 through the library: a command without `at` is
// stamped with the writer's clock (Options::clock, or the receiving node's
// time given to SubmitBatchAt), raised to the customer's last time (for
// set_policy, the last policy's); a command dated within the skew tolerance
// before the customer's last time is judged at that time and keeps its own
// `at` as requested_at; replay and every replica agree.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/rules/command_validation.h"
#include "ledger/time_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::TestLedger;

const int64_t kClockUs = *ParseTimeUs("2026-12-06T09:00:00Z");

Options FixedClock(int64_t us) {
  Options options;
  options.clock = [us] { return us; };
  return options;
}

std::string Purchase(const std::string& key, const std::string& customer,
                     const std::string& at_member) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":")", customer, "\",",
                      at_member,
                      R"("purchase":{"purchase_id":")", key,
                      R"(","credits":100,"amount_minor":1000,"currency":"USD"}})");
}

std::string At(const std::string& rfc3339) {
  return absl::StrCat(R"("at":")", rfc3339, "\",");
}

std::string Use(const std::string& key, const std::string& at_member) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":"c1",)", at_member,
                      R"("use":{"usage_id":")", key,
                      R"(","category":"TELEPHONY_USAGE","credits":1}})");
}

std::string SetPolicy(const std::string& key, const std::string& at_member,
                      int skew_seconds) {
  return absl::StrCat(R"({"key":")", key, "\",", at_member,
                      R"("set_policy":{"version":")", key,
                      R"(","refund_window_hours":168,"inquiry_window_hours":168,)",
                      R"("clock_skew_seconds":)", skew_seconds, "}}");
}

std::vector<v1::Event> Events(Ledger& db) {
  std::vector<v1::Event> out;
  EXPECT_TRUE(db.ReadEvents(1, [&](const v1::Event& e) {
                  out.push_back(e);
                  return true;
                }).ok());
  return out;
}

void ExpectReplays(TestLedger& db) {
  const std::string dir = db.dir();
  db.Close();
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << "seq " << report->first_bad_seq << ": "
                          << report->problem;
}

TEST(JudgingTime, ACommandWithoutAtIsStampedWithTheWritersClockAndStoredAsSent) {
  TestLedger db(FixedClock(kClockUs));
  SubmitResult r = db.Json(Purchase("k1", "c1", ""));
  ASSERT_EQ(r.outcome, Outcome::kAccepted) << r.message;
  EXPECT_EQ(r.at_us, kClockUs);
  std::vector<v1::Event> events = Events(*db);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].header().at_us(), kClockUs);
  EXPECT_FALSE(events[0].command().has_at()) << "the command is kept as sent";
  EXPECT_EQ(db.BalanceAt("c1", "2026-12-07T00:00:00Z").lots.at(0).granted_at_us,
            kClockUs);
  ExpectReplays(db);
}

TEST(JudgingTime, AStampIsRaisedToTheCustomersLastTimeNeverBackwards) {
  TestLedger db(FixedClock(kClockUs));
  ASSERT_EQ(db.Code(Purchase("k1", "c1", At("2027-01-01T00:00:00Z"))), "ACCEPTED");
  SubmitResult r = db.Json(Use("k2", ""));
  ASSERT_EQ(r.outcome, Outcome::kAccepted) << r.message;
  EXPECT_EQ(r.at_us, *ParseTimeUs("2027-01-01T00:00:00Z"));
  // Another customer is stamped with the clock: the raise is per customer.
  EXPECT_EQ(db.Json(Purchase("k3", "c2", "")).at_us, kClockUs);
  ExpectReplays(db);
}

TEST(JudgingTime, ARetryWithoutAtIsADuplicateEvenAfterTheClockMoved) {
  int64_t now = kClockUs;
  Options options;
  options.clock = [&now] { return now; };
  TestLedger db(options);
  ASSERT_EQ(db.Code(Purchase("k1", "c1", "")), "ACCEPTED");
  now += 3600LL * kMicrosPerSecond;
  SubmitResult again = db.Json(Purchase("k1", "c1", ""));
  EXPECT_EQ(again.outcome, Outcome::kDuplicate);
  EXPECT_FALSE(again.at_us.has_value());
  // The content compared is the command as sent: with an `at` it differs.
  EXPECT_EQ(db.Code(Purchase("k1", "c1", At("2026-12-06T09:00:00Z"))), "KEY_REUSED");
}

TEST(JudgingTime, ASetPolicyWithoutAtIsRaisedToTheLastPolicysTime) {
  TestLedger db(FixedClock(kClockUs));
  ASSERT_EQ(db.Code(SetPolicy("v1", At("2027-06-01T00:00:00Z"), 0)), "ACCEPTED");
  SubmitResult r = db.Json(SetPolicy("v2", "", 0));
  ASSERT_EQ(r.outcome, Outcome::kAccepted) << r.message;
  EXPECT_EQ(r.at_us, *ParseTimeUs("2027-06-01T00:00:00Z"));
  EXPECT_FALSE(r.available.has_value());
  ExpectReplays(db);
}

TEST(JudgingTime, ACommandJudgedAtItsOwnAtCarriesNoChosenTime) {
  TestLedger db(FixedClock(kClockUs));
  SubmitResult r = db.Json(Purchase("k1", "c1", At("2026-03-08T10:00:00Z")));
  ASSERT_EQ(r.outcome, Outcome::kAccepted);
  EXPECT_FALSE(r.at_us.has_value());
}

TEST(JudgingTime, ASkewedCommandIsJudgedAtTheLastTimeAndReplayAgrees) {
  TestLedger db(FixedClock(kClockUs));
  ASSERT_EQ(db.Code(SetPolicy("skew", At("2026-01-01T00:00:00Z"), 30)), "ACCEPTED");
  ASSERT_EQ(db.Code(Purchase("k1", "c1", At("2026-03-08T10:00:30Z"))), "ACCEPTED");
  SubmitResult r = db.Json(Use("k2", At("2026-03-08T10:00:00Z")));
  ASSERT_EQ(r.outcome, Outcome::kAccepted) << r.message;
  EXPECT_EQ(r.at_us, *ParseTimeUs("2026-03-08T10:00:30Z"));
  EXPECT_EQ(r.available, 99);
  EXPECT_EQ(db.Code(Use("k3", At("2026-03-08T09:59:59Z"))), "TIME_WENT_BACKWARDS");
  std::vector<v1::Event> events = Events(*db);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].header().at_us(), *ParseTimeUs("2026-03-08T10:00:30Z"));
  EXPECT_EQ(events[2].command().at(), "2026-03-08T10:00:00Z");
  ExpectReplays(db);
}

TEST(JudgingTime, AClockSkewOutsideItsRangeIsInvalid) {
  TestLedger db;
  EXPECT_EQ(db.Code(SetPolicy("v1", At("2026-01-01T00:00:00Z"), 3601)), "INVALID_COMMAND");
  EXPECT_EQ(db.Code(SetPolicy("v1", At("2026-01-01T00:00:00Z"), -1)), "INVALID_COMMAND");
  EXPECT_EQ(db.Code(SetPolicy("v1", At("2026-01-01T00:00:00Z"), 3600)), "ACCEPTED");
}

TEST(JudgingTime, AnExplicitZeroSkewIsTheSameContentAsNone) {
  absl::StatusOr<v1::Command> with_zero =
      ParseCommandJson(SetPolicy("v1", At("2026-01-01T00:00:00Z"), 0));
  ASSERT_TRUE(with_zero.ok());
  ASSERT_TRUE(ValidateAndCanonicalize(*with_zero).ok());
  EXPECT_FALSE(with_zero->set_policy().has_clock_skew_seconds());
}

std::vector<v1::Command> Commands(const std::vector<std::string>& lines) {
  std::vector<v1::Command> out;
  for (const std::string& line : lines) {
    absl::StatusOr<v1::Command> c = ParseCommandJson(line);
    EXPECT_TRUE(c.ok()) << line;
    if (c.ok()) out.push_back(*c);
  }
  return out;
}

// One receipt per time, with the actor a receiving node names
// (docs/contract.md section 16).
std::vector<Receipt> ReceiptsAt(const std::vector<int64_t>& times,
                                const std::string& actor = "") {
  std::vector<Receipt> out(times.size());
  for (size_t i = 0; i < times.size(); ++i) {
    out[i].received_at_us = times[i];
    out[i].actor = actor;
  }
  return out;
}

TEST(JudgingTime, ReplicasGivenTheSameReceiptsHoldTheSameEventsWhateverTheirClockAndActor) {
  const std::vector<v1::Command> commands = Commands(
      {Purchase("k1", "c1", ""), Use("k2", ""), SetPolicy("v2", "", 10)});
  const std::vector<Receipt> received =
      ReceiptsAt({kClockUs, kClockUs + 5, kClockUs + 9}, "billing");
  Options clock_a = FixedClock(kClockUs - 1000000);
  clock_a.actor = "replica-a";
  Options clock_b = FixedClock(kClockUs + 1000000);
  clock_b.actor = "replica-b";
  TestLedger a(clock_a);
  TestLedger b(clock_b);
  ASSERT_TRUE(a->SubmitBatchAt(commands, received, 1).ok());
  ASSERT_TRUE(b->SubmitBatchAt(commands, received, 1).ok());
  std::vector<v1::Event> ea = Events(*a), eb = Events(*b);
  ASSERT_EQ(ea.size(), 3u);
  ASSERT_EQ(eb.size(), 3u);
  for (size_t i = 0; i < ea.size(); ++i) {
    EXPECT_EQ(ea[i].SerializeAsString(), eb[i].SerializeAsString()) << i;
  }
  EXPECT_EQ(ea[1].header().at_us(), kClockUs + 5);
  // The receiving node's actor and clock, never the replica's own.
  EXPECT_EQ(ea[1].header().actor(), "billing");
  EXPECT_EQ(ea[1].header().recorded_at_us(), kClockUs + 5);
}

TEST(JudgingTime, AReplicaWithoutReceivedTimesRejectsACommandWithoutAt) {
  TestLedger db(FixedClock(kClockUs));
  absl::StatusOr<std::vector<SubmitResult>> r = db->SubmitBatchAt(
      Commands({Purchase("k1", "c1", ""), Purchase("k2", "c2", At("2026-03-08T10:00:00Z"))}),
      {}, 1);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].code, v1::INVALID_COMMAND) << (*r)[0].message;
  EXPECT_EQ((*r)[1].outcome, Outcome::kAccepted);
  const std::vector<Receipt> one = ReceiptsAt({kClockUs});
  EXPECT_TRUE(absl::IsInvalidArgument(
      db->SubmitBatchAt(Commands({Purchase("k3", "c3", ""), Use("k4", "")}), one, 2)
          .status()));
}

}  // namespace
}  // namespace ledger
