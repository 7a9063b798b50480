// Ledger::SetDeliveryCursor and DeliveryCursor (ledger/ledger.h): a
// consumer's progress is kept in the ledger across a reopen, outside the
// hash chain (the digest and the head do not move), accepted by replay when
// well formed and named by it when not; and Subscription::NextStored gives
// each event with the bytes and hash export renders.
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/base/sha256.h"
#include "ledger/export.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/subscription.h"
#include "ledger/verify.h"
#include "tests/reliability/reliability_util.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::BuyJson;
using testing::OutcomeName;
using testing::RawLog;
using testing::TestLedger;
using testing::UseJson;

void LogThree(TestLedger& db) {
  ASSERT_EQ(OutcomeName(db.Json(BuyJson("k1", "c1", "p1", 100))), "ACCEPTED");
  ASSERT_EQ(OutcomeName(db.Json(UseJson("k2", "c1", "u1", 10))), "ACCEPTED");
  ASSERT_EQ(OutcomeName(db.Json(BuyJson("k3", "c2", "p2", 50))), "ACCEPTED");
}

TEST(DeliveryCursorTest, ACursorIsZeroUntilStoredAndSurvivesAReopen) {
  TestLedger db;
  LogThree(db);
  auto none = db->DeliveryCursor("billing");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, 0u);
  ASSERT_TRUE(db->SetDeliveryCursor("billing", 2).ok());
  ASSERT_TRUE(db->SetDeliveryCursor("crm", 3).ok());
  db.Reopen();
  EXPECT_EQ(*db->DeliveryCursor("billing"), 2u);
  EXPECT_EQ(*db->DeliveryCursor("crm"), 3u);
  ASSERT_TRUE(db->SetDeliveryCursor("billing", 3).ok());
  EXPECT_EQ(*db->DeliveryCursor("billing"), 3u);
}

TEST(DeliveryCursorTest, ACursorPastTheLogOrWithABadNameIsRefused) {
  TestLedger db;
  LogThree(db);
  EXPECT_EQ(db->SetDeliveryCursor("billing", 4).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->SetDeliveryCursor("", 1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->SetDeliveryCursor("has space", 1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->SetDeliveryCursor(std::string(65, 'a'), 1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->DeliveryCursor("a/b").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DeliveryCursorTest, AClosedLedgerRefusesCursors) {
  TestLedger db;
  LogThree(db);
  ASSERT_TRUE(db->Close().ok());
  EXPECT_EQ(db->SetDeliveryCursor("billing", 1).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(db->DeliveryCursor("billing").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(DeliveryCursorTest, ACursorMovesNoDigestAndReplayAcceptsIt) {
  TestLedger db;
  LogThree(db);
  db.Close();
  auto before = ReadDigest(db.dir());
  ASSERT_TRUE(before.ok()) << before.status();
  db.Reopen();
  ASSERT_TRUE(db->SetDeliveryCursor("billing", 3).ok());
  db.Close();
  auto after = ReadDigest(db.dir());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(FormatDigest(*after), FormatDigest(*before));
  auto report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST(DeliveryCursorTest, ReplayNamesACursorPastTheLogOrMalformed) {
  TestLedger db;
  LogThree(db);
  db.Close();
  {
    RawLog raw(db.dir());
    raw.PutRaw(kMetaFamily, std::string(kDeliveryCursorPrefix) + "billing",
               EncodeDeliveryCursor(9));
  }
  auto past = ReplayLedger(db.dir());
  ASSERT_TRUE(past.ok()) << past.status();
  EXPECT_FALSE(past->ok);
  EXPECT_NE(past->problem.find("delivery cursor 'delivery_cursor/billing' "
                               "names seq 9"),
            std::string::npos)
      << past->problem;
  {
    RawLog raw(db.dir());
    raw.PutRaw(kMetaFamily, std::string(kDeliveryCursorPrefix) + "billing",
               "abc");
  }
  auto malformed = ReplayLedger(db.dir());
  ASSERT_TRUE(malformed.ok()) << malformed.status();
  EXPECT_FALSE(malformed->ok);
  EXPECT_NE(malformed->problem.find("is malformed"), std::string::npos)
      << malformed->problem;
}

TEST(DeliveryCursorTest, NextStoredGivesTheBytesAndHashExportRenders) {
  TestLedger db;
  LogThree(db);
  auto sub = db->Subscribe(1);
  ASSERT_TRUE(sub.ok()) << sub.status();
  std::vector<std::string> rendered;
  std::string prev_hash(kHashBytes, '\0');
  for (int i = 0; i < 3; ++i) {
    auto next = (*sub)->NextStored(absl::Now() + absl::Seconds(30));
    ASSERT_TRUE(next.ok()) << next.status();
    ASSERT_TRUE(next->has_value());
    const SubscribedEvent& e = **next;
    EXPECT_EQ(e.event.header().seq(), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(e.hash, Sha256(prev_hash, e.bytes));
    prev_hash = e.hash;
    rendered.push_back(ExportEvent(e.log_event(), ExportFormat::kJsonl));
  }
  db.Close();
  std::vector<std::string> exported;
  ASSERT_TRUE(ExportLog(db.dir(), ExportFormat::kJsonl, 1, 3,
                        [&](uint64_t, std::string_view text) {
                          exported.emplace_back(text);
                          return absl::OkStatus();
                        })
                  .ok());
  EXPECT_EQ(rendered, exported);
}

}  // namespace
}  // namespace ledger
