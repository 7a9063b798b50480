// What the log stores of an event and of its idempotency record
// (docs/storage.md, credit-ledger/2), and that every reader still shows the
// whole event: the header fields the stored bytes leave out are refilled
// from the command and the hash chain.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/command_fingerprint.h"
#include "ledger/base/deterministic_bytes.h"
#include "ledger/base/sha256.h"
#include "ledger/balance.h"
#include "ledger/export.h"
#include "ledger/ledger.h"
#include "ledger/log_reader.h"
#include "ledger/replay.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/verify.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::RawLog;
using testing::TestLedger;

v1::Event StoredEvent(RawLog& raw, uint64_t seq) {
  v1::Event event;
  EXPECT_TRUE(event.ParseFromString(raw.Get(seq).substr(kHashBytes)));
  return event;
}

TEST(StoredEventLayout, StoredEventsCarryNoKeyCustomerPrevHashOrFingerprint) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  RawLog raw(db.dir());
  for (uint64_t seq = 1; seq <= 4; ++seq) {
    const v1::EventHeader h = StoredEvent(raw, seq).header();
    EXPECT_EQ(h.seq(), seq);
    EXPECT_TRUE(h.key().empty()) << seq;
    EXPECT_TRUE(h.customer().empty()) << seq;
    EXPECT_TRUE(h.prev_hash().empty()) << seq;
    EXPECT_TRUE(h.command_fingerprint().empty()) << seq;
  }
}

TEST(StoredEventLayout, KeyRecordsHoldOnlyTheSeq) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  RawLog raw(db.dir());
  for (const auto& [key, value] : raw.Entries(kKeysFamily)) {
    const uint64_t seq = std::stoul(key.substr(1));  // keys k1..k4
    EXPECT_EQ(value, EncodeKeyRecord(seq)) << key;
    v1::KeyRecord expected;
    expected.set_seq(seq);
    EXPECT_EQ(value, SerializeDeterministic(expected)) << key;
  }
}

// ReadEvents, ReadLog (export, statement) and the export line show the
// derived fields as if they were stored.
TEST(StoredEventLayout, EveryReaderShowsTheFieldsTheStoredBytesLeaveOut) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  std::vector<std::string> hashes = {std::string(kHashBytes, '\0')};
  {
    RawLog raw(db.dir());
    for (uint64_t seq = 1; seq <= 4; ++seq) {
      hashes.push_back(raw.Get(seq).substr(0, kHashBytes));
    }
  }
  auto expect_whole = [&](const v1::Event& e) {
    const v1::EventHeader& h = e.header();
    EXPECT_EQ(h.key(), e.command().key());
    EXPECT_EQ(h.key(), absl::StrCat("k", h.seq()));
    EXPECT_EQ(h.customer(), e.command().customer());
    EXPECT_FALSE(h.customer().empty());
    EXPECT_EQ(h.prev_hash(), hashes[h.seq() - 1]) << h.seq();
    EXPECT_EQ(h.command_fingerprint(), CommandFingerprint(e.command()));
  };
  int logged = 0;
  ASSERT_TRUE(ReadLog(db.dir(), 1, [&](const LogEvent& e) {
                expect_whole(*e.event);
                const std::string line = ExportEvent(e, ExportFormat::kJsonl);
                EXPECT_THAT(line, HasSubstr(absl::StrCat(
                                      "\"prev_hash\": \"",
                                      absl::BytesToHexString(hashes[e.seq - 1]),
                                      "\"")));
                EXPECT_THAT(line, HasSubstr(absl::StrCat("\"key\": \"k", e.seq)));
                ++logged;
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(logged, 4);
  // From the middle of the log: the hash before is read for the first.
  std::vector<uint64_t> from_three;
  ASSERT_TRUE(ReadLog(db.dir(), 3, [&](const LogEvent& e) {
                expect_whole(*e.event);
                from_three.push_back(e.seq);
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(from_three, (std::vector<uint64_t>{3, 4}));
  db.Reopen();
  std::vector<uint64_t> read;
  ASSERT_TRUE(db->ReadEvents(2, [&](const v1::Event& e) {
                  expect_whole(e);
                  read.push_back(e.header().seq());
                  return true;
                }).ok());
  EXPECT_EQ(read, (std::vector<uint64_t>{2, 3, 4}));
}

// The key record holds no fingerprint: KEY_REUSED compares with the
// fingerprint of the stored event's command, read when the key comes again.
TEST(StoredEventLayout, AReusedKeyIsAnsweredFromItsStoredEventAfterReopen) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  db.Reopen();
  const std::string same_as_k2 =
      R"({"key":"k2","customer":"c1","at":"2026-03-08T11:00:00Z",)"
      R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":60}})";
  SubmitResult again = db.Json(same_as_k2);
  EXPECT_EQ(testing::OutcomeName(again), "DUPLICATE");
  EXPECT_EQ(again.seq, 2u);
  std::string other = same_as_k2;
  other.replace(other.find("60"), 2, "61");
  SubmitResult reused = db.Json(other);
  EXPECT_EQ(reused.outcome, Outcome::kRejected);
  EXPECT_EQ(reused.code, v1::KEY_REUSED);
  EXPECT_THAT(reused.message, HasSubstr("accepted as seq 2"));
}

// An event stored with a derived field is not what the writer stores, even
// when the field agrees with the command: replay and verify name it.
TEST(StoredEventLayout, AnEventStoredWithADerivedHeaderFieldIsNamed) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  {
    RawLog raw(db.dir());
    std::string prev = raw.Get(2).substr(0, kHashBytes);
    for (uint64_t seq = 3; seq <= 4; ++seq) {
      v1::Event event = StoredEvent(raw, seq);
      if (seq == 3) event.mutable_header()->set_key(event.command().key());
      const std::string bytes = SerializeDeterministic(event);
      prev = Sha256(prev, bytes);
      raw.Put(seq, prev + bytes);
    }
    raw.PutHead(4, prev);
  }
  absl::StatusOr<ReplayReport> replayed = ReplayLedger(db.dir());
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_FALSE(replayed->ok);
  EXPECT_EQ(replayed->first_bad_seq, 3u) << replayed->problem;
  EXPECT_THAT(replayed->problem, HasSubstr("carries its key"));
  absl::StatusOr<VerifyReport> verified = VerifyLog(db.dir(), VerifyOptions());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_FALSE(verified->ok);
  EXPECT_EQ(verified->first_bad_seq, 3u) << verified->problem;
  EXPECT_THAT(verified->problem, HasSubstr("carries its key"));
  // A reader refuses to hand it out.
  absl::Status read = ReadLog(db.dir(), 1, [](const LogEvent&) {
    return absl::OkStatus();
  });
  EXPECT_TRUE(absl::IsDataLoss(read)) << read;
}

// A state value leaves out the id its key holds; the writer's reads (the
// customer range at open of a customer, the point lookup of a usage) set it.
TEST(StoredEventLayout, StateValuesLeaveOutTheIdTheirKeyHoldsAndReadersSetIt) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  int entities = 0;
  for (const auto& [key, value] : RawLog(db.dir()).Entries(kStateFamily)) {
    const size_t sep = key.find('\0');
    ASSERT_NE(sep, std::string::npos);
    if (sep == 0) continue;  // a policy version keeps its seq
    ++entities;
    switch (key[sep + 1]) {
      case 'H': {
        v1::CustomerHeader h;
        ASSERT_TRUE(h.ParseFromString(value));
        EXPECT_TRUE(h.customer().empty()) << absl::CEscape(key);
        break;
      }
      case 'L': {
        v1::LotState lot;
        ASSERT_TRUE(lot.ParseFromString(value));
        EXPECT_TRUE(lot.lot_id().empty()) << absl::CEscape(key);
        break;
      }
      case 'U': {
        v1::UsageState usage;
        ASSERT_TRUE(usage.ParseFromString(value));
        EXPECT_TRUE(usage.usage_id().empty()) << absl::CEscape(key);
        break;
      }
      default:
        ADD_FAILURE() << "unexpected entity " << absl::CEscape(key);
    }
  }
  EXPECT_EQ(entities, 6);  // c1: header, p1, u1, u2; c2: header, p1
  db.Reopen();
  Balance b = db.BalanceAt("c1", "2026-03-08T13:00:00Z");
  ASSERT_EQ(b.lots.size(), 1u);
  EXPECT_EQ(b.lots[0].lot_id, "p1");
  EXPECT_EQ(b.available, 900);
  // u1 is read by its key: its id must be known to find it taken.
  EXPECT_EQ(db.Code(R"({"key":"k5","customer":"c1","at":"2026-03-08T13:00:00Z",)"
                    R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":1}})"),
            "DUPLICATE_ID");
  EXPECT_EQ(db.Code(R"({"key":"k6","customer":"c1","at":"2026-03-08T13:00:00Z",)"
                    R"("use":{"usage_id":"u3","category":"AI_PROCESSING","credits":1}})"),
            "ACCEPTED");
  db.Close();
  absl::StatusOr<ReplayReport> replayed = ReplayLedger(db.dir());
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_TRUE(replayed->ok) << replayed->problem;
}

// docs/storage.md, "Format versions": a ledger of the previous format is
// refused by every opener, with the way over, and not changed.
TEST(StoredEventLayout, ALedgerOfThePreviousFormatIsRefusedWithTheWayOverAndNotChanged) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  RawLog(db.dir()).PutRaw(kMetaFamily, kFormatKey, "credit-ledger/1");
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> before;
  for (const char* family : {kMetaFamily, kEventsFamily, kKeysFamily, kStateFamily}) {
    before[family] = RawLog(db.dir()).Entries(family);
  }
  absl::StatusOr<std::unique_ptr<Ledger>> opened = Ledger::Open(Options(), db.dir());
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(opened.status())) << opened.status();
  const std::string message(opened.status().message());
  EXPECT_THAT(message, HasSubstr("previous format 'credit-ledger/1'"));
  EXPECT_THAT(message, HasSubstr("it reads 'credit-ledger/2'"));
  EXPECT_THAT(message, HasSubstr("with the build that wrote it, run `ledgerctl export"));
  EXPECT_THAT(message, HasSubstr("`ledgerctl import --db NEWDIR ledger.jsonl`"));
  absl::StatusOr<ReplayReport> replayed = ReplayLedger(db.dir());
  EXPECT_TRUE(absl::IsFailedPrecondition(replayed.status())) << replayed.status();
  EXPECT_THAT(std::string(replayed.status().message()), HasSubstr("ledgerctl export"));
  for (const char* family : {kMetaFamily, kEventsFamily, kKeysFamily, kStateFamily}) {
    EXPECT_EQ(RawLog(db.dir()).Entries(family), before[family]) << family;
  }
}

}  // namespace
}  // namespace ledger
