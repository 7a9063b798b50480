// Replay against the customer index (ledger/audit/customer_index_check.h):
// an entry flipped, moved to another customer, missing or extra, and a
// malformed status, are each found and named at their event, by the
// library and by `ledgerctl replay`; one thread or several, the same.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
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

// WriteFourEventsAndClose: c1 at seqs 1, 2 and 4, c2 at seq 3.
ReplayReport Replay(const std::string& dir, int threads = 0) {
  ReplayOptions options;
  options.threads = threads;
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir, options);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : ReplayReport();
}

TEST(CustomerIndexReplay, AnUntouchedIndexPassesWithOneThreadAndWithSeveral) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  EXPECT_TRUE(Replay(db.dir(), 1).ok) << Replay(db.dir(), 1).problem;
  EXPECT_TRUE(Replay(db.dir(), 3).ok) << Replay(db.dir(), 3).problem;
}

// A writer building the index of an older ledger records how far it got:
// the events past that imply no entry yet, the ones before it do, however
// many workers fold the log (each digests its own customers' events).
TEST(CustomerIndexReplay, AnIndexBuiltPartwayIsCheckedThroughItsStatus) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  {  // As if a build had written the entries through seq 2 and stopped.
    RawLog raw(db.dir());
    raw.DeleteRaw(kCustomerEventsFamily, CustomerEventKey("c2", 3));
    raw.DeleteRaw(kCustomerEventsFamily, CustomerEventKey("c1", 4));
    raw.PutRaw(kCustomerEventsFamily, std::string(kCustomerIndexStatusKey),
               EncodeCustomerIndexStatus({false, 2}));
  }
  for (int threads : {1, 3}) {
    ReplayReport report = Replay(db.dir(), threads);
    EXPECT_TRUE(report.ok) << threads << " threads: " << report.problem;
  }
  RawLog(db.dir()).DeleteRaw(kCustomerEventsFamily, CustomerEventKey("c1", 2));
  for (int threads : {1, 3}) {
    ReplayReport report = Replay(db.dir(), threads);
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_seq, 2u) << report.problem;
    EXPECT_THAT(report.problem,
                HasSubstr("the customer index has no entry for event 2 of customer c1"));
  }
}

TEST(CustomerIndexReplay, AFlippedEntryIsNamedAtItsEvent) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  {
    RawLog raw(db.dir());
    std::string key = CustomerEventKey("c1", 2);
    std::string value;
    for (const auto& [k, v] : raw.Entries(kCustomerEventsFamily)) {
      if (k == key) value = v;
    }
    ASSERT_EQ(value.size(), 8u);
    value[7] ^= 0x01;  // one bit of the event's time
    raw.PutRaw(kCustomerEventsFamily, key, value);
  }
  for (int threads : {1, 2}) {
    ReplayReport report = Replay(db.dir(), threads);
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_seq, 2u) << report.problem;
    EXPECT_THAT(report.problem,
                HasSubstr("customer index entry (customer c1, seq 2) does not "
                          "match the log"));
  }
}

TEST(CustomerIndexReplay, AnEntryMovedToAnotherCustomerIsNamed) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  {
    RawLog raw(db.dir());
    const std::string value = EncodeCustomerEventValue(0);
    raw.DeleteRaw(kCustomerEventsFamily, CustomerEventKey("c2", 3));
    raw.PutRaw(kCustomerEventsFamily, CustomerEventKey("c1", 3), value);
  }
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3u) << report.problem;
  EXPECT_THAT(report.problem, HasSubstr("(customer c1, seq 3) names an event of customer c2"));
}

TEST(CustomerIndexReplay, AMissingEntryIsNamedAtItsEvent) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  RawLog(db.dir()).DeleteRaw(kCustomerEventsFamily, CustomerEventKey("c1", 4));
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 4u) << report.problem;
  EXPECT_THAT(report.problem,
              HasSubstr("the customer index has no entry for event 4 of customer c1"));
  // ledgerctl replay says it and fails.
  std::string out;
  EXPECT_NE(testing::RunLedgerctl("replay --db " + db.dir(), &out,
                                  testing::Stderr::kIntoOut), 0);
  EXPECT_THAT(out, HasSubstr("no entry for event 4 of customer c1"));
}

TEST(CustomerIndexReplay, AnExtraEntryIsNamed) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  RawLog(db.dir()).PutRaw(kCustomerEventsFamily, CustomerEventKey("c9", 9),
                          EncodeCustomerEventValue(0));
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 9u) << report.problem;
  EXPECT_THAT(report.problem,
              HasSubstr("customer index entry (customer c9, seq 9) has no event behind it"));
}

TEST(CustomerIndexReplay, AMalformedStatusIsNamed) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  RawLog(db.dir()).PutRaw(kCustomerEventsFamily, std::string(kCustomerIndexStatusKey),
                          "half");
  ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.problem, HasSubstr("status"));
}

}  // namespace
}  // namespace ledger
