// Replay against the idempotency index and the stored projections, and
// across the batches its checker threads work on (ledger/audit/replay.cc): a
// record missing, extra or naming another seq, and a key logged twice, are
// each named at their event; the projections, compared in two halves at
// once, name the first difference in key order; a long log is checked to
// its last event and a bad event late in it is found at its own seq.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/rules/command_validation.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/storage/storage_layout.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::RawLog;
using testing::TestLedger;

ReplayReport Replay(const std::string& dir) {
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : ReplayReport();
}

TEST(ReplayIndex, ARecordDeletedFromTheIndexIsNamedAtItsEvent) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  RawLog(db.dir()).DeleteKeyRecord("k2");
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 2u) << report.problem;
  EXPECT_THAT(report.problem, HasSubstr("idempotency record of key 'k2' is missing"));
}

TEST(ReplayIndex, ARecordNamingAnotherSeqIsNamedAtTheKeysEvent) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  {
    RawLog raw(db.dir());
    v1::KeyRecord record = raw.GetKeyRecord("k1");
    record.set_seq(3);
    raw.PutKeyRecord("k1", record);
  }
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 1u) << report.problem;
  EXPECT_THAT(report.problem,
              HasSubstr("idempotency record of key 'k1' does not match the log"));
}

TEST(ReplayIndex, ARecordWithNoEventBehindItIsNamed) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  {
    RawLog raw(db.dir());
    v1::KeyRecord record = raw.GetKeyRecord("k4");
    raw.PutKeyRecord("k9", record);
  }
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 4u) << report.problem;
  EXPECT_THAT(report.problem,
              HasSubstr("idempotency record of key 'k9' has no event behind it"));
}

TEST(ReplayIndex, AKeyLoggedTwiceIsFoundAtItsSecondEvent) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  // A consistent forgery: event 3's command takes k1's key (the header's
  // key and fingerprint follow from it), the hash chain recomputed.
  RawLog(db.dir()).RewriteFrom(3, 4, [](v1::Event& event) {
    event.mutable_command()->set_key("k1");
  });
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3u) << report.problem;
  EXPECT_THAT(report.problem, HasSubstr("idempotency key 'k1' used twice"));
  EXPECT_EQ(report.last_seq, 2u);
}

TEST(ReplayIndex, ALongLogIsCheckedToItsLastEventAndABadEventLateInItIsNamed) {
  constexpr int kEvents = 6000;  // a dozen of the checkers' batches
  TestLedger db;
  db.WriteManyEvents(kEvents);
  db.Close();
  ReplayReport good = Replay(db.dir());
  EXPECT_TRUE(good.ok) << good.first_bad_seq << ": " << good.problem;
  EXPECT_EQ(good.events, static_cast<uint64_t>(kEvents));
  EXPECT_EQ(good.customers, 10u);

  {
    RawLog raw(db.dir());
    std::string value = raw.Get(5555);
    value.back() ^= 0x01;
    raw.Put(5555, value);
  }
  ReplayReport bad = Replay(db.dir());
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.first_bad_seq, 5555u) << bad.problem;
  EXPECT_EQ(bad.last_seq, 5554u);
  EXPECT_EQ(bad.events, 5554u);
}

// WriteManyEvents(200): customers c0..c9, each with lot p1; customer cN's
// last event is seq 190 + N (c0's is 200).
std::string LotKey(const std::string& customer) {
  return customer + std::string("\0Lp1", 4);
}

void BumpLot(RawLog& raw, const std::string& customer) {
  v1::LotState lot;
  ASSERT_TRUE(lot.ParseFromString(raw.GetState(LotKey(customer))));
  lot.set_remaining(lot.remaining() + 1);
  raw.PutState(LotKey(customer), SerializeDeterministic(lot));
}

TEST(ReplayProjections, ADifferenceInEitherHalfIsNamedAtItsCustomersLastEvent) {
  for (const char* customer : {"c1", "c9"}) {
    TestLedger db;
    db.WriteManyEvents(200);
    db.Close();
    {
      RawLog raw(db.dir());
      BumpLot(raw, customer);
    }
    ReplayReport report = Replay(db.dir());
    EXPECT_FALSE(report.ok) << customer;
    EXPECT_EQ(report.first_bad_seq, 190u + (customer[1] - '0')) << report.problem;
    EXPECT_THAT(report.problem, HasSubstr("differs from the log"));
  }
}

TEST(ReplayProjections, OfTwoDifferencesTheFirstInKeyOrderIsReported) {
  TestLedger db;
  db.WriteManyEvents(200);
  db.Close();
  {
    RawLog raw(db.dir());
    BumpLot(raw, "c8");
    BumpLot(raw, "c2");
  }
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 192u) << report.problem;
}

TEST(ReplayProjections, AProjectionDeletedFromEitherHalfIsMissing) {
  for (const char* customer : {"c0", "c9"}) {
    TestLedger db;
    db.WriteManyEvents(200);
    db.Close();
    RawLog(db.dir()).DeleteState(LotKey(customer));
    ReplayReport report = Replay(db.dir());
    EXPECT_FALSE(report.ok) << customer;
    EXPECT_THAT(report.problem, HasSubstr("missing from the store")) << customer;
  }
}

}  // namespace
}  // namespace ledger
