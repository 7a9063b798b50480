// docs/contract.md section 8: `metadata` on every command: bounded, stored with
// the event, part of the content compared for KEY_REUSED, and never a reason
// for a decision.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/v1/command.pb.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::TestLedger;

std::string BuyWith(const std::string& key, const std::string& metadata) {
  return absl::StrCat(
      R"({"key":")", key,
      R"(","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p-)",
      key, R"(","credits":10,"amount_minor":10,"currency":"USD"},"metadata":)",
      metadata, "}");
}

TEST(Metadata, IsStoredWithTheEvent) {
  TestLedger db;
  SubmitResult r = db.Json(BuyWith("k1", R"({"ticket":"T-42","call.id":"ca_9"})"));
  ASSERT_EQ(r.outcome, Outcome::kAccepted) << r.message;
  int seen = 0;
  ASSERT_TRUE(db->ReadEvents(1, [&](const v1::Event& e) {
                   ++seen;
                   EXPECT_EQ(e.command().metadata().at("ticket"), "T-42");
                   EXPECT_EQ(e.command().metadata().at("call.id"), "ca_9");
                   return true;
                 }).ok());
  EXPECT_EQ(seen, 1);
}

TEST(Metadata, IsPartOfTheContentComparedForKeyReuse) {
  TestLedger db;
  ASSERT_EQ(db.Code(BuyWith("k1", R"({"a":"1","b":"2"})")), "ACCEPTED");
  // The same entries in another order are the same content.
  EXPECT_EQ(db.Code(BuyWith("k1", R"({"b":"2","a":"1"})")), "DUPLICATE");
  EXPECT_EQ(db.Code(BuyWith("k1", R"({"a":"1","b":"3"})")), "KEY_REUSED");
  EXPECT_EQ(db.Code(BuyWith("k1", R"({"a":"1"})")), "KEY_REUSED");
}

TEST(Metadata, NeverChangesADecision) {
  TestLedger db;
  ASSERT_EQ(db.Code(BuyWith("k1", "{}")), "ACCEPTED");
  // Ten credits: spending eleven is refused with or without metadata.
  const std::string use =
      R"({"key":"k2","customer":"c1","at":"2026-03-08T10:01:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":11})";
  EXPECT_EQ(db.Code(use + "}"), "INSUFFICIENT_CREDITS");
  EXPECT_EQ(db.Code(use + R"(,"metadata":{"priority":"vip"}})"),
            "INSUFFICIENT_CREDITS");
}

TEST(Metadata, SixteenEntriesOfTheLongestKeysAndValuesAreAccepted) {
  TestLedger db;
  std::string metadata = "{";
  for (int i = 0; i < 16; ++i) {
    std::string key = absl::StrCat("k", i, std::string(62, 'x')).substr(0, 64);
    absl::StrAppend(&metadata, i ? "," : "", "\"", key, "\":\"",
                    std::string(256, 'v'), "\"");
  }
  metadata += "}";
  EXPECT_EQ(db.Code(BuyWith("k1", metadata)), "ACCEPTED");
}

TEST(Metadata, HostileMetadataIsInvalidAndChangesNothing) {
  TestLedger db;
  std::string seventeen = "{";
  for (int i = 0; i < 17; ++i) {
    absl::StrAppend(&seventeen, i ? "," : "", "\"k", i, "\":\"v\"");
  }
  seventeen += "}";
  const std::string cases[] = {
      seventeen,
      absl::StrCat("{\"", std::string(65, 'k'), "\":\"v\"}"),  // 65-byte key
      R"({"":"v"})",                                           // empty key
      R"({"Ticket":"v"})",                                     // capital
      R"({"a b":"v"})",                                        // space
      absl::StrCat(R"({"a":")", std::string(257, 'v'), "\"}"),  // 257 bytes
      R"({"a":1})",                                            // not a string
      R"({"a":null})",
      R"(["a"])",
      R"("a")",
  };
  for (const std::string& metadata : cases) {
    EXPECT_EQ(db.Code(BuyWith("k1", metadata)), "INVALID_COMMAND") << metadata;
  }
  EXPECT_EQ(db->LastSeq(), 0u);
}

TEST(Metadata, InvalidUtf8InABinaryCommandIsInvalid) {
  TestLedger db;
  v1::Command c;
  c.set_key("k1");
  c.set_customer("c1");
  c.set_at("2026-03-08T10:00:00Z");
  v1::Purchase* p = c.mutable_purchase();
  p->set_purchase_id("p1");
  p->set_credits(10);
  p->set_amount_minor(10);
  p->set_currency("USD");
  (*c.mutable_metadata())["ticket"] = "\xC0\xAF";  // an overlong '/'
  absl::StatusOr<SubmitResult> r = db->Submit(c);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, Outcome::kRejected);
  EXPECT_EQ(r->code, v1::INVALID_COMMAND);
  EXPECT_EQ(db->LastSeq(), 0u);
}

}  // namespace
}  // namespace ledger
