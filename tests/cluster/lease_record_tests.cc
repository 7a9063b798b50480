// The webhook lease's value in JetStream KV (lease_record.h): what a node
// writes, it reads back; anything else is refused rather than taken for a
// record without cursors (which would resend every event).
#include "tools/ledgerd/cluster/lease_record.h"

#include <gtest/gtest.h>

namespace ledger::cluster {
namespace {

TEST(LeaseRecordTest, AHeldRecordWithCursorsReadsBackTheSame) {
  LeaseRecord record;
  record.holder = "node-2";
  record.cursors = {{"billing", 42}, {"crm.eu", 7}};
  const std::string text = EncodeLeaseRecord(record);
  EXPECT_EQ(text, "holder node-2\ncursor billing 42\ncursor crm.eu 7\n");
  absl::StatusOr<LeaseRecord> back = DecodeLeaseRecord(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, record);
}

TEST(LeaseRecordTest, AReleasedRecordKeepsItsCursorsAndNoHolder) {
  LeaseRecord record;
  record.cursors = {{"billing", 42}};
  absl::StatusOr<LeaseRecord> back =
      DecodeLeaseRecord(EncodeLeaseRecord(record));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->holder.empty());
  EXPECT_EQ(back->cursors.at("billing"), 42u);
}

TEST(LeaseRecordTest, TextNotWrittenByLedgerdIsRefused) {
  for (const char* text :
       {"", "cursor a 1\n", "holder a\nholder b\n", "holder a\ncursor a x\n",
        "holder a\ncursor a 1\ncursor a 2\n", "holder a b\n",
        "holder a\nsomething else\n"}) {
    EXPECT_FALSE(DecodeLeaseRecord(text).ok()) << text;
  }
}

}  // namespace
}  // namespace ledger::cluster
