// Tamper evidence (ledger/verify.h): the digest of the head, and VerifyLog
// naming the first bad seq of each kind of tampering with a real RocksDB
// ledger written through the public API.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/base/sha256.h"
#include "ledger/verify.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::RawLog;
using testing::TestLedger;

constexpr uint64_t kEvents = 6;

// Six events of two customers, then closed, ready to be tampered with.
void WriteSixEvents(TestLedger& db) {
  for (const char* json : {
           R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD"}})",
           R"({"key":"k2","customer":"c2","at":"2026-03-08T10:01:00Z","purchase":{"purchase_id":"p1","credits":500,"amount_minor":900,"currency":"EUR"}})",
           R"({"key":"k3","customer":"c1","at":"2026-03-08T11:00:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":60}})",
           R"({"key":"k4","customer":"c2","at":"2026-03-08T11:30:00Z","use":{"usage_id":"u1","category":"VOICE_GENERATION","credits":20}})",
           R"({"key":"k5","customer":"c1","at":"2026-03-08T12:00:00Z","use":{"usage_id":"u2","category":"AUTOMATED_CALL","credits":40}})",
           R"({"key":"k6","customer":"c2","at":"2026-03-08T12:30:00Z","use":{"usage_id":"u2","category":"AI_PROCESSING","credits":5}})",
       }) {
    ASSERT_EQ(db.Code(json), "ACCEPTED") << json;
  }
  db.Close();
}

VerifyReport Verify(const std::string& dir,
                    std::optional<LogDigest> digest = std::nullopt) {
  VerifyOptions options;
  options.digest = std::move(digest);
  absl::StatusOr<VerifyReport> report = VerifyLog(dir, options);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : VerifyReport();
}

TEST(Verify, AnUntouchedLedgerVerifiesAndItsDigestIsTheLastEventsHash) {
  TestLedger db;
  WriteSixEvents(db);
  absl::StatusOr<LogDigest> digest = ReadDigest(db.dir());
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(digest->seq, kEvents);
  EXPECT_EQ(digest->hash, RawLog(db.dir()).Get(kEvents).substr(0, kHashBytes));
  VerifyReport report = Verify(db.dir(), *digest);
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.events, kEvents);
  EXPECT_EQ(report.head.seq, kEvents);
}

TEST(Verify, AnEmptyLedgerVerifiesAndItsDigestIsSeqZero) {
  TestLedger db;
  db.Close();
  absl::StatusOr<LogDigest> digest = ReadDigest(db.dir());
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(FormatDigest(*digest), "0:" + std::string(64, '0'));
  EXPECT_TRUE(Verify(db.dir(), *digest).ok);
}

TEST(Verify, VerifyNamesTheFirstBadSeqOfAChangedByte) {
  TestLedger db;
  WriteSixEvents(db);
  {
    RawLog raw(db.dir());
    std::string value = raw.Get(3);
    value[kHashBytes + (value.size() - kHashBytes) / 2] ^= 0x01;
    raw.Put(3, value);
  }
  VerifyReport report = Verify(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3u);
  EXPECT_THAT(report.problem, HasSubstr("event 3: hash chain broken"));
  EXPECT_EQ(report.events, 2u);
}

TEST(Verify, VerifyNamesTheFirstBadSeqOfAChangedStoredHash) {
  TestLedger db;
  WriteSixEvents(db);
  {
    RawLog raw(db.dir());
    std::string value = raw.Get(5);
    value[0] ^= 0x80;
    raw.Put(5, value);
  }
  VerifyReport report = Verify(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 5u) << report.problem;
}

TEST(Verify, VerifyNamesTheSeqOfARemovedEvent) {
  TestLedger db;
  WriteSixEvents(db);
  RawLog(db.dir()).Delete(4);
  VerifyReport report = Verify(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 4u);
  EXPECT_THAT(report.problem, HasSubstr("event 4 is missing"));
}

TEST(Verify, VerifyNamesTheSeqOfARemovedLastEventTheHeadStillNames) {
  TestLedger db;
  WriteSixEvents(db);
  RawLog(db.dir()).Delete(kEvents);
  VerifyReport report = Verify(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, kEvents);
  EXPECT_THAT(report.problem, HasSubstr("stored head names seq 6"));
}

TEST(Verify, VerifyNamesTheFirstOfTwoSwappedEvents) {
  TestLedger db;
  WriteSixEvents(db);
  {
    RawLog raw(db.dir());
    const std::string third = raw.Get(3);
    raw.Put(3, raw.Get(4));
    raw.Put(4, third);
  }
  VerifyReport report = Verify(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3u) << report.problem;
}

TEST(Verify, VerifyNamesTheSeqOfAnEventAppendedPastTheHead) {
  TestLedger db;
  WriteSixEvents(db);
  {
    RawLog raw(db.dir());
    const std::string last = raw.Get(kEvents);
    v1::Event event;
    ASSERT_TRUE(event.ParseFromString(last.substr(kHashBytes)));
    event.mutable_header()->set_seq(kEvents + 1);
    const std::string bytes = SerializeDeterministic(event);
    raw.Put(kEvents + 1, Sha256(last.substr(0, kHashBytes), bytes) + bytes);
  }
  VerifyReport report = Verify(db.dir());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, kEvents + 1) << report.problem;
}

// The attack a chain alone cannot see: history changed at seq 3 and every
// later hash and the head recomputed. Only a digest published before tells.
TEST(Verify, VerifyWithADigestNamesItsSeqWhenHistoryWasRewrittenPastIt) {
  TestLedger db;
  WriteSixEvents(db);
  absl::StatusOr<LogDigest> at_head = ReadDigest(db.dir());
  ASSERT_TRUE(at_head.ok());
  LogDigest at_four{4, RawLog(db.dir()).Get(4).substr(0, kHashBytes)};
  LogDigest at_two{2, RawLog(db.dir()).Get(2).substr(0, kHashBytes)};
  RawLog(db.dir()).RewriteFrom(3, kEvents, [](v1::Event& event) {
    event.mutable_command()->set_key("k3-rewritten");
  });

  EXPECT_TRUE(Verify(db.dir()).ok) << "the rewritten chain is consistent";
  VerifyReport report = Verify(db.dir(), *at_head);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, kEvents);
  EXPECT_THAT(report.problem, HasSubstr("rewritten at or before seq 6"));
  EXPECT_TRUE(report.digest_mismatch) << "the chain checks; only the digest does not";
  EXPECT_EQ(Verify(db.dir(), at_four).first_bad_seq, 4u);
  EXPECT_TRUE(Verify(db.dir(), at_two).ok)
      << "the log still extends a digest taken before the rewrite";
}

TEST(Verify, VerifyWithADigestCatchesALogCutBackBelowIt) {
  TestLedger db;
  WriteSixEvents(db);
  absl::StatusOr<LogDigest> at_head = ReadDigest(db.dir());
  ASSERT_TRUE(at_head.ok());
  {
    RawLog raw(db.dir());
    raw.Delete(6);
    raw.Delete(5);
    raw.PutHead(4, raw.Get(4).substr(0, kHashBytes));
  }
  EXPECT_TRUE(Verify(db.dir()).ok);
  VerifyReport report = Verify(db.dir(), *at_head);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 5u);
  EXPECT_THAT(report.problem, HasSubstr("before the digest's seq 6"));
  EXPECT_FALSE(report.digest_mismatch) << "events are missing: the log is cut";
}

TEST(Verify, VerifyOfAMissingLedgerIsNotFound) {
  testing::TempDir dir;
  absl::StatusOr<VerifyReport> report =
      VerifyLog(dir.path() + "/nothing", VerifyOptions());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kNotFound);
}

TEST(Verify, ProgressCountsEveryEventAgainstTheHead) {
  TestLedger db;
  WriteSixEvents(db);
  VerifyOptions options;
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  options.progress = [&](uint64_t done, uint64_t total) {
    calls.emplace_back(done, total);
  };
  ASSERT_TRUE(VerifyLog(db.dir(), options).ok());
  ASSERT_EQ(calls.size(), kEvents);
  EXPECT_EQ(calls.back(), std::make_pair(kEvents, kEvents));
}

TEST(Digest, FormatAndParseRoundTrip) {
  LogDigest digest{42, Sha256("x")};
  absl::StatusOr<LogDigest> parsed = ParseDigest(FormatDigest(digest));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->seq, 42u);
  EXPECT_EQ(parsed->hash, digest.hash);
  std::string upper = FormatDigest(digest);
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_TRUE(ParseDigest(upper).ok()) << "hex in either case";
}

TEST(Digest, ParseRejectsWhatIsNotSeqColonSixtyFourHexDigits) {
  const std::string hex(64, 'a');
  for (const std::string& bad :
       {std::string(""), std::string("42"), "42" + hex, ":" + hex, "-1:" + hex,
        "+1:" + hex, " 1:" + hex, "1:" + hex.substr(1), "1:" + hex + "a",
        "1:" + hex.substr(1) + "g", "99999999999999999999999:" + hex,
        "0:" + hex}) {
    absl::StatusOr<LogDigest> parsed = ParseDigest(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace ledger
