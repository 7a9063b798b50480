// The pending-refund queue (docs/storage.md, "The pending-refund queue"):
// kept by the writer in each event's batch, listed by
// Ledger::PendingRefunds, built once for a ledger made before it, and
// checked by replay, which names a flipped, made-up or missing entry.
#include <string>

#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/storage/storage_layout.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

std::string Buy(const std::string& key, const std::string& customer,
                const std::string& purchase, const std::string& at) {
  return "{\"key\": \"" + key + "\", \"customer\": \"" + customer +
         "\", \"at\": \"" + at + "\", \"purchase\": {\"purchase_id\": \"" +
         purchase +
         "\", \"credits\": 1000, \"amount_minor\": 1999, \"currency\": "
         "\"USD\"}}";
}

std::string Refund(const std::string& key, const std::string& customer,
                   const std::string& verb, const std::string& fields,
                   const std::string& at) {
  return "{\"key\": \"" + key + "\", \"customer\": \"" + customer +
         "\", \"at\": \"" + at + "\", \"" + verb + "\": {" + fields + "}}";
}

// c1 asks for two refunds and gets one approved; c2 asks for one and is
// suspended (which denies it); c3 asks for one and it stays pending.
void WriteRefunds(TestLedger& db) {
  ASSERT_EQ(db.Code(Buy("b1", "c1", "p1", "2026-03-08T10:00:00Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Buy("b2", "c1", "p2", "2026-03-08T10:00:01Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Buy("b3", "c2", "p1", "2026-03-08T10:00:02Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Buy("b4", "c3", "p1", "2026-03-08T10:00:03Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Refund("r1", "c1", "request_refund",
                           "\"refund_id\": \"r1\", \"purchase_id\": \"p1\"",
                           "2026-03-09T10:00:00Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Refund("r2", "c1", "request_refund",
                           "\"refund_id\": \"r2\", \"purchase_id\": \"p2\"",
                           "2026-03-09T11:00:00Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Refund("r3", "c2", "request_refund",
                           "\"refund_id\": \"r3\", \"purchase_id\": \"p1\"",
                           "2026-03-09T09:00:00Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Refund("r4", "c3", "request_refund",
                           "\"refund_id\": \"r4\", \"purchase_id\": \"p1\"",
                           "2026-03-09T12:00:00Z")), "ACCEPTED");
  ASSERT_EQ(db.Code(Refund("a1", "c1", "approve_refund",
                           "\"refund_id\": \"r1\"", "2026-03-10T10:00:00Z")),
            "ACCEPTED");
  ASSERT_EQ(db.Code(Refund("s2", "c2", "suspend", "\"reason\": \"FRAUD\"",
                           "2026-03-10T10:00:00Z")),
            "ACCEPTED");
}

std::string Listed(Ledger& db) {
  absl::StatusOr<PendingRefundPage> page = db.PendingRefunds("", kMaxPageLimit);
  EXPECT_TRUE(page.ok()) << page.status();
  if (!page.ok()) return "";
  std::string out;
  for (const PendingRefund& r : page->refunds) {
    out += r.customer + "/" + r.refund_id + "/" + r.purchase_id + "/" +
           std::to_string(r.credits) + "/" + std::to_string(r.cash_minor) +
           r.currency + " ";
  }
  return out;
}

ReplayReport Replay(const std::string& dir) {
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : ReplayReport();
}

TEST(PendingRefundQueue, ListsOnlyTheRefundsStillPendingOldestFirst) {
  TestLedger db;
  WriteRefunds(db);
  // r1 approved, r3 denied by the suspension: r2 then r4, by request time.
  EXPECT_EQ(Listed(*db), "c1/r2/p2/1000/1999USD c3/r4/p1/1000/1999USD ");
  absl::StatusOr<PendingRefundPage> first = db->PendingRefunds("", 1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->refunds.size(), 1u);
  ASSERT_TRUE(first->next_after.has_value());
  absl::StatusOr<PendingRefundPage> second =
      db->PendingRefunds(*first->next_after, 1);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->refunds.size(), 1u);
  EXPECT_EQ(second->refunds[0].refund_id, "r4");
  EXPECT_FALSE(second->next_after.has_value());
  // p1 of c3 was granted 2026-03-08T10:00:03Z; the default window is 168 h.
  EXPECT_EQ(FormatTimeUs(second->refunds[0].window_ends_us),
            "2026-03-15T10:00:03Z");
  EXPECT_TRUE(absl::IsInvalidArgument(db->PendingRefunds("zz", 1).status()));
  db.Close();
  EXPECT_TRUE(Replay(db.dir()).ok) << Replay(db.dir()).problem;
}

TEST(PendingRefundQueue, ReplayNamesAMissingEntry) {
  TestLedger db;
  WriteRefunds(db);
  db.Close();
  {
    RawLog raw(db.dir());
    raw.DeleteRaw(kPendingRefundsFamily,
                  PendingRefundKey(*ParseTimeUs("2026-03-09T12:00:00Z"), "c3", "r4"));
  }
  const ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("refund r4 of customer c3"), std::string::npos)
      << report.problem;
  EXPECT_NE(report.problem.find("missing"), std::string::npos) << report.problem;
}

TEST(PendingRefundQueue, ReplayNamesAnEntryWithNoPendingRefundBehindIt) {
  TestLedger db;
  WriteRefunds(db);
  db.Close();
  {
    RawLog raw(db.dir());  // r1 was approved: it has left the queue
    raw.PutRaw(kPendingRefundsFamily,
               PendingRefundKey(*ParseTimeUs("2026-03-09T10:00:00Z"), "c1", "r1"),
               "p1");
  }
  const ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("refund r1 of customer c1"), std::string::npos)
      << report.problem;
  EXPECT_NE(report.problem.find("no pending refund behind it"), std::string::npos)
      << report.problem;
}

TEST(PendingRefundQueue, ReplayNamesAFlippedEntry) {
  TestLedger db;
  WriteRefunds(db);
  db.Close();
  {
    RawLog raw(db.dir());
    raw.PutRaw(kPendingRefundsFamily,
               PendingRefundKey(*ParseTimeUs("2026-03-09T11:00:00Z"), "c1", "r2"),
               "p9");
  }
  const ReplayReport report = Replay(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("refund r2 of customer c1"), std::string::npos)
      << report.problem;
  EXPECT_NE(report.problem.find("differs from the log"), std::string::npos)
      << report.problem;
}

TEST(PendingRefundQueue, ALedgerMadeBeforeTheQueueGetsItAtItsNextOpen) {
  TestLedger db;
  WriteRefunds(db);
  db.Close();
  {  // Take the whole family away, as a ledger of an earlier build lacks it.
    RawLog raw(db.dir());
    for (const auto& [key, value] : raw.Entries(kPendingRefundsFamily)) {
      raw.DeleteRaw(kPendingRefundsFamily, key);
    }
  }
  // No marker, no entries: nothing to check until a writer builds it.
  EXPECT_TRUE(Replay(db.dir()).ok) << Replay(db.dir()).problem;
  db.Reopen();
  EXPECT_EQ(Listed(*db), "c1/r2/p2/1000/1999USD c3/r4/p1/1000/1999USD ");
  db.Close();
  EXPECT_TRUE(Replay(db.dir()).ok) << Replay(db.dir()).problem;
}

}  // namespace
}  // namespace ledger::testing
