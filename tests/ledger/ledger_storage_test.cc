// The log and its projections on disk: reopening, refusing what is not a
// ledger, idempotency across restarts, and replay catching tampering.
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/storage/storage_layout.h"
#include "rocksdb/db.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::OutcomeName;
using testing::RawLog;
using testing::TempDir;
using testing::TestLedger;

constexpr char kBuy[] =
    R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z",)"
    R"("purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,)"
    R"("currency":"USD","expires_at":"2026-06-08T10:00:00Z"}})";
constexpr char kUse[] =
    R"({"key":"k2","customer":"c1","at":"2026-03-08T11:00:00Z",)"
    R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":60}})";

TEST(LedgerStorage, ReopeningKeepsBalancesAndSequence) {
  TestLedger db;
  ASSERT_EQ(db.Code(kBuy), "ACCEPTED");
  ASSERT_EQ(db.Code(kUse), "ACCEPTED");
  db.Reopen();
  EXPECT_EQ(db->LastSeq(), 2u);
  Balance b = db.BalanceAt("c1", "2026-03-08T12:00:00Z");
  EXPECT_EQ(b.available, 940);
  ASSERT_EQ(b.lots.size(), 1u);
  EXPECT_EQ(b.lots[0].remaining, 940);
  SubmitResult next = db.Json(
      R"({"key":"k3","customer":"c1","at":"2026-03-08T12:00:00Z",)"
      R"("use":{"usage_id":"u2","category":"AI_PROCESSING","credits":40}})");
  EXPECT_EQ(OutcomeName(next), "ACCEPTED");
  EXPECT_EQ(next.seq, 3u);
}

TEST(LedgerStorage, SameKeySameContentIsDuplicateAfterReopen) {
  TestLedger db;
  ASSERT_EQ(db.Code(kBuy), "ACCEPTED");
  db.Reopen();
  SubmitResult again = db.Json(kBuy);
  EXPECT_EQ(OutcomeName(again), "DUPLICATE");
  EXPECT_EQ(again.seq, 1u);
  std::string other(kBuy);
  other.replace(other.find("1000"), 4, "1001");
  EXPECT_EQ(db.Code(other), "KEY_REUSED");
  EXPECT_EQ(db->LastSeq(), 1u);
}

TEST(LedgerStorage, OpeningAFolderThatIsNotALedgerFails) {
  TempDir dir;
  std::ofstream(dir.path() + "/notes.txt") << "hello";
  auto opened = Ledger::Open(Options(), dir.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/notes.txt"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/CURRENT"));
}

TEST(LedgerStorage, OpeningAnotherRocksDbDatabaseFails) {
  TempDir dir;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir.path(), &raw).ok());
    delete raw;
  }
  auto opened = Ledger::Open(Options(), dir.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(LedgerStorage, ReplayOfAnUntouchedLedgerPasses) {
  TestLedger db;
  ASSERT_EQ(db.Code(kBuy), "ACCEPTED");
  ASSERT_EQ(db.Code(kUse), "ACCEPTED");
  db.Close();
  auto report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->events, 2u);
  EXPECT_EQ(report->customers, 1u);
}

TEST(LedgerStorage, ChangingOneByteOfAStoredEventMakesReplayFail) {
  TestLedger db;
  ASSERT_EQ(db.Code(kBuy), "ACCEPTED");
  ASSERT_EQ(db.Code(kUse), "ACCEPTED");
  db.Close();
  {
    RawLog raw(db.dir());
    std::string value = raw.Get(2);
    value[value.size() - 3] ^= 0x01;
    raw.Put(2, value);
  }
  auto report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_seq, 2u) << report->problem;
}

TEST(LedgerStorage, ChangingAStoredProjectionMakesReplayFail) {
  TestLedger db;
  ASSERT_EQ(db.Code(kBuy), "ACCEPTED");
  ASSERT_EQ(db.Code(kUse), "ACCEPTED");
  db.Close();
  {
    RawLog raw(db.dir());
    const std::string key("c1\0Lp1", 6);
    v1::LotState lot;
    ASSERT_TRUE(lot.ParseFromString(raw.GetState(key)));
    lot.set_remaining(lot.remaining() + 1);
    raw.PutState(key, SerializeDeterministic(lot));
  }
  auto report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_seq, 2u) << report->problem;
}

TEST(LedgerStorage, ConcurrentSpendingFromOneCustomerNeverOverspends) {
  TestLedger db;
  ASSERT_EQ(db.Code(kBuy), "ACCEPTED");  // 1000 credits
  constexpr int kThreads = 16;
  constexpr int kPerThread = 20;
  std::atomic<int> accepted{0};
  std::atomic<int> insufficient{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string json = absl::StrCat(
            R"({"key":"u-)", t, "-", i,
            R"(","customer":"c1","at":"2026-03-08T11:00:00Z","use":{"usage_id":"u-)",
            t, "-", i, R"(","category":"TELEPHONY_USAGE","credits":10}})");
        std::string code = OutcomeName(*db->SubmitJson(json));
        if (code == "ACCEPTED") ++accepted;
        if (code == "INSUFFICIENT_CREDITS") ++insufficient;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 100);
  EXPECT_EQ(insufficient.load(), kThreads * kPerThread - 100);
  EXPECT_EQ(db.BalanceAt("c1", "2026-03-08T12:00:00Z").available, 0);
  db.Close();
  auto report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST(LedgerStorage, SubmitBatchGivesTheResultsOfSubmittingOneAtATime) {
  std::vector<std::string> lines = {
      kBuy, kUse, kUse,  // the second kUse is a duplicate within the batch
      R"({"key":"k4","customer":"c1","at":"2026-03-08T10:30:00Z","expire":{}})",
      R"({"key":"k5","customer":"c2","at":"2026-03-08T10:30:00Z","expire":{}})",
      R"({"key":"k6","customer":"c1","at":"2026-03-09T10:30:00Z",)"
      R"("use":{"usage_id":"u9","category":"AI_PROCESSING","credits":941}})"};
  TestLedger one, batch;
  std::vector<std::string> expected;
  for (const auto& line : lines) {
    SubmitResult r = one.Json(line);
    expected.push_back(absl::StrCat(OutcomeName(r), "/", r.seq));
  }
  std::vector<v1::Command> commands;
  for (const auto& line : lines) {
    v1::Command c;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(line, &c).ok());
    commands.push_back(c);
  }
  auto results = batch->SubmitBatch(commands);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(absl::StrCat(OutcomeName((*results)[i]), "/", (*results)[i].seq),
              expected[i])
        << "line " << i;
  }
  EXPECT_EQ(expected[2], "DUPLICATE/2");
}

// A batch large enough to be prepared on several threads (validation, the
// times' canonical form, the fingerprint): results in input order, the
// invalid commands refused where they stand, the same as one at a time.
TEST(LedgerStorage, ABatchPreparedInSlicesGivesTheResultsOfSubmittingOneAtATime) {
  std::vector<std::string> lines;
  for (int i = 0; i < 700; ++i) {
    const std::string head = absl::StrCat(R"({"key":"k)", i, R"(","customer":"c)",
                                          i % 7, R"(","at":"2026-03-08T10:)",
                                          absl::Dec(i / 60, absl::kZeroPad2), ":",
                                          absl::Dec(i % 60, absl::kZeroPad2), R"(Z",)");
    if (i % 101 == 50) {
      // No category: invalid; the seven are spread over every slice.
      lines.push_back(absl::StrCat(head, R"("use":{"usage_id":"u)", i, R"(","credits":5}})"));
    } else if (i % 3 == 0) {
      lines.push_back(absl::StrCat(head, R"("purchase":{"purchase_id":"p)", i,
                                   R"(","credits":100,"amount_minor":199,"currency":"USD"}})"));
    } else {
      lines.push_back(absl::StrCat(head, R"("use":{"usage_id":"u)", i,
                                   R"(","category":"AI_PROCESSING","credits":40}})"));
    }
  }
  TestLedger one, batch;
  std::vector<std::string> expected;
  for (const auto& line : lines) {
    SubmitResult r = one.Json(line);
    expected.push_back(absl::StrCat(OutcomeName(r), "/", r.seq, "/", r.message));
  }
  std::vector<v1::Command> commands;
  for (const auto& line : lines) {
    v1::Command c;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &c).ok()) << line;
    commands.push_back(c);
  }
  auto results = batch->SubmitBatch(commands);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), lines.size());
  int invalid = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const SubmitResult& r = (*results)[i];
    EXPECT_EQ(absl::StrCat(OutcomeName(r), "/", r.seq, "/", r.message), expected[i])
        << "line " << i;
    if (OutcomeName(r) == "INVALID_COMMAND") ++invalid;
  }
  EXPECT_EQ(invalid, 7);
  EXPECT_EQ(batch->LastSeq(), one->LastSeq());
}

// Past Options::max_batch_commands every batch call refuses the whole
// batch before judging any of it, with the same message, and nothing is
// written.
TEST(LedgerStorage, ABatchOverTheBoundIsRefusedWholeByEveryBatchCall) {
  Options options;
  options.max_batch_commands = 3;
  TestLedger db(options);
  std::vector<std::string> lines(4, kBuy);
  std::vector<v1::Command> commands(4);
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(kBuy, &commands[0]).ok());
  for (v1::Command& c : commands) c = commands[0];
  const std::vector<std::string> actors(4, "svc");
  const std::string expected = "a batch of 4 commands exceeds 3";
  std::vector<std::pair<std::string, absl::Status>> refused = {
      {"SubmitBatch", db->SubmitBatch(commands).status()},
      {"SubmitJsonBatch", db->SubmitJsonBatch(lines).status()},
      {"SubmitBatchAs", db->SubmitBatchAs(commands, actors).status()},
      {"SubmitBatchReceivedAt", db->SubmitBatchReceivedAt(commands, {}).status()},
      {"SubmitBatchAt", db->SubmitBatchAt(commands, {}, 1).status()},
      {"SubmitBatchInOrder", db->SubmitBatchInOrder(commands, [] {}).status()}};
  for (const auto& [call, status] : refused) {
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << call << ": " << status;
    EXPECT_EQ(status.message(), expected) << call;
  }
  EXPECT_EQ(db->LastSeq(), 0u);
  EXPECT_EQ(db->AppliedPosition(), 0u);
  // At the bound the same commands are taken.
  commands.pop_back();
  auto taken = db->SubmitBatch(commands);
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_EQ(db->LastSeq(), 1u);  // one purchase, then two duplicates
}

}  // namespace
}  // namespace ledger
