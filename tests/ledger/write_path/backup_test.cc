// Ledger::Backup (ledger/ledger.h): a consistent copy beside live writers,
// whose digest the ledger's later digests extend, that replays clean and
// opens as a ledger; and the refusals that keep a half-made or misplaced
// copy from ever being taken for a backup.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/verify.h"
#include "tests/reliability/crash_workload.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using testing::CrashCommand;
using testing::kCrashThreads;
using testing::TempDir;
using testing::TestLedger;

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every event of the ledger, as stored, in seq order.
std::vector<std::string> EventBytes(Ledger& db) {
  std::vector<std::string> out;
  EXPECT_TRUE(db.ReadEvents(1, [&](const v1::Event& e) {
                  out.push_back(e.SerializeAsString());
                  return true;
                }).ok());
  return out;
}

TEST(Backup, ACopyTakenWhileThreadsSubmitIsAPrefixTheLedgerExtends) {
  TestLedger db;
  ASSERT_TRUE(db->SetDeliveryCursor("crm", 0).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kCrashThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 100000 && !stop.load(); ++i) {
        absl::StatusOr<SubmitResult> r =
            db->SubmitJson(CrashCommand(7, 0, t, i));
        if (!r.ok()) ++failures;
      }
    });
  }
  ASSERT_TRUE(testing::WaitUntil([&] { return db->LastSeq() >= 300; }));
  TempDir out;
  const std::string to = out.path() + "/copy";
  absl::StatusOr<BackupInfo> info = db->Backup(to);
  // The writers went on during the copy and after it.
  const uint64_t at_backup = db->LastSeq();
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return db->LastSeq() >= at_backup + 200; }));
  stop.store(true);
  for (std::thread& w : writers) w.join();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(info->dir, to);
  EXPECT_GE(info->last_seq, 300u);
  EXPECT_LT(info->last_seq, db->LastSeq());

  // Its digest is one the live ledger's log still extends.
  db.Close();
  VerifyOptions options;
  options.digest = LogDigest{info->last_seq, info->head_hash};
  absl::StatusOr<VerifyReport> live = VerifyLog(db.dir(), options);
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_TRUE(live->ok) << live->problem;
  EXPECT_GT(live->head.seq, info->last_seq);

  // The copy replays clean, verifies, and its head is the one reported.
  absl::StatusOr<ReplayReport> replay = ReplayLedger(to);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->ok);
  absl::StatusOr<VerifyReport> copy = VerifyLog(to, VerifyOptions());
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_TRUE(copy->ok) << copy->problem;
  EXPECT_EQ(copy->head.seq, info->last_seq);
  EXPECT_EQ(copy->head.hash, info->head_hash);

  // The manifest names it; nothing staged is left beside it.
  const std::string manifest = ReadText(to + "/LEDGER-BACKUP");
  EXPECT_NE(manifest.find(absl::StrCat(
                "digest: ", info->last_seq, ":",
                absl::BytesToHexString(info->head_hash))),
            std::string::npos)
      << manifest;
  EXPECT_FALSE(fs::exists(to + ".partial"));
  EXPECT_FALSE(fs::exists(to + ".partial.tmp"));

  // It opens as a ledger: the same first events, the delivery cursor, and
  // it takes writes of its own.
  absl::StatusOr<std::unique_ptr<Ledger>> restored =
      Ledger::Open(Options(), to);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ((*restored)->LastSeq(), info->last_seq);
  absl::StatusOr<uint64_t> cursor = (*restored)->DeliveryCursor("crm");
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  std::vector<std::string> copied = EventBytes(**restored);
  absl::StatusOr<std::unique_ptr<Ledger>> reopened =
      Ledger::Open(Options(), db.dir());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  std::vector<std::string> original = EventBytes(**reopened);
  ASSERT_EQ(copied.size(), info->last_seq);
  ASSERT_GT(original.size(), copied.size());
  for (size_t i = 0; i < copied.size(); ++i) {
    ASSERT_EQ(copied[i], original[i]) << "event " << i + 1;
  }
  absl::StatusOr<SubmitResult> next =
      (*restored)->SubmitJson(CrashCommand(7, 1, 0, 0));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->seq, info->last_seq + 1);
}

TEST(Backup, TheCopyKeepsTheAppliedPositionOfAReplica) {
  TestLedger db;
  std::vector<v1::Command> none;
  ASSERT_TRUE(db->SubmitBatchAt(none, {}, 41).ok());
  TempDir out;
  absl::StatusOr<BackupInfo> info = db->Backup(out.path() + "/p0");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->applied_position, 41u);
  absl::StatusOr<std::unique_ptr<Ledger>> copy =
      Ledger::Open(Options(), out.path() + "/p0");
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ((*copy)->AppliedPosition(), 41u);
}

TEST(Backup, AnEmptyLedgerCopiesToAnEmptyLedger) {
  TestLedger db;
  TempDir out;
  absl::StatusOr<BackupInfo> info = db->Backup(out.path() + "/a/b/copy");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->last_seq, 0u);
  EXPECT_EQ(info->head_hash, std::string(32, '\0'));
  absl::StatusOr<ReplayReport> replay = ReplayLedger(out.path() + "/a/b/copy");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->ok);
}

TEST(Backup, AFolderThatExistsIsRefusedAndLeftAlone) {
  TestLedger db;
  db.Json(R"({"key":"k1","at":"2026-03-01T10:00:00Z","customer":"c1","purchase":{"purchase_id":"p1","credits":10,"amount_minor":5,"currency":"USD"}})");
  TempDir out;
  testing::WriteFile(out.path() + "/taken", "mine\n");
  absl::StatusOr<BackupInfo> info = db->Backup(out.path() + "/taken");
  EXPECT_EQ(info.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReadText(out.path() + "/taken"), "mine\n");
  // An empty folder is refused too: the copy must be a folder of its own.
  fs::create_directory(out.path() + "/empty");
  EXPECT_EQ(db->Backup(out.path() + "/empty").status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST(Backup, AStagedCopyLeftByACutBackupIsRefusedUntilRemoved) {
  TestLedger db;
  TempDir out;
  fs::create_directory(out.path() + "/copy.partial");
  absl::StatusOr<BackupInfo> info = db->Backup(out.path() + "/copy");
  EXPECT_EQ(info.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(info.status().message().find("cut short"), std::string::npos)
      << info.status();
  EXPECT_FALSE(fs::exists(out.path() + "/copy"));
  fs::remove(out.path() + "/copy.partial");
  EXPECT_TRUE(db->Backup(out.path() + "/copy").ok());
}

TEST(Backup, AFolderInsideTheLedgerIsRefused) {
  TestLedger db;
  absl::StatusOr<BackupInfo> inside = db->Backup(db.dir() + "/backup");
  EXPECT_EQ(inside.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(db.dir() + "/backup"));
  EXPECT_EQ(db->Backup(db.dir()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->Backup("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Backup, AClosedLedgerRefusesToBackUp) {
  TestLedger db;
  ASSERT_TRUE(db->Close().ok());
  TempDir out;
  EXPECT_EQ(db->Backup(out.path() + "/copy").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(out.path() + "/copy"));
}

}  // namespace
}  // namespace ledger
