// Reading a ledger (replay, verify, audits) beside its writer or after it
// closed: Store::Open in kReadOnly mode picks a read-only instance when it
// can take the database's LOCK, a secondary instance when a writer holds it.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/storage/store.h"
#include "ledger/verify.h"
#include "tests/test_util.h"
#include "tools/workload/command_json.h"

namespace ledger {
namespace {

using testing::TestLedger;

std::string Buy(int i) {
  return workload::PurchaseJson({.key = absl::StrCat("k", i),
                                 .customer = absl::StrCat("c", i % 5),
                                 .at = "2026-03-08T10:00:00Z",
                                 .purchase_id = absl::StrCat("p", i),
                                 .credits = 100,
                                 .amount_minor = 100});
}

// Points TMPDIR, where readers make their scratch folders, at a folder of
// this test's own while it lives: ctest runs other tests beside this one,
// and their readers' scratch folders must not be counted as this one's.
class PrivateTmpDir {
 public:
  PrivateTmpDir() {
    const char* old = std::getenv("TMPDIR");
    if (old != nullptr) old_ = old;
    setenv("TMPDIR", dir_.path().c_str(), /*overwrite=*/1);
  }
  ~PrivateTmpDir() {
    if (old_.has_value()) {
      setenv("TMPDIR", old_->c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
  }

 private:
  testing::TempDir dir_;
  std::optional<std::string> old_;
};

int ReaderScratchFolders() {
  int n = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::temp_directory_path())) {
    if (entry.path().filename().string().starts_with("ledger-reader-")) ++n;
  }
  return n;
}

TEST(StoreReaderTest, ReplayAndVerifyBesideALiveWriterSeeEveryCommittedEvent) {
  PrivateTmpDir tmp;
  TestLedger ledger;
  for (int i = 1; i <= 40; ++i) ASSERT_EQ(ledger.Code(Buy(i)), "ACCEPTED");
  const int scratch_before = ReaderScratchFolders();

  absl::StatusOr<ReplayReport> replay = ReplayLedger(ledger.dir());
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->ok) << replay->problem;
  EXPECT_EQ(replay->events, 40u);

  // The writer goes on; a new reader sees what it committed since.
  for (int i = 41; i <= 50; ++i) ASSERT_EQ(ledger.Code(Buy(i)), "ACCEPTED");
  absl::StatusOr<VerifyReport> verify = VerifyLog(ledger.dir(), VerifyOptions());
  ASSERT_TRUE(verify.ok()) << verify.status();
  EXPECT_TRUE(verify->ok) << verify->problem;
  EXPECT_EQ(verify->head.seq, 50u);
  EXPECT_EQ(ReaderScratchFolders(), scratch_before)
      << "a secondary reader left its scratch folder behind";

  // The readers took nothing from the writer.
  EXPECT_EQ(ledger.Code(Buy(51)), "ACCEPTED");
  EXPECT_EQ(ledger->LastSeq(), 51u);
}

// The choice itself: RocksDB leaves a read-only instance undefined beside a
// writer (it often works, so only the mode shows the choice).
TEST(StoreReaderTest, AReaderIsReadOnlyOnAClosedLedgerAndSecondaryBesideAWriter) {
  TestLedger ledger;
  ASSERT_EQ(ledger.Code(Buy(1)), "ACCEPTED");
  {
    absl::StatusOr<std::unique_ptr<Store>> beside =
        Store::Open(ledger.dir(), Store::Mode::kReadOnly, false);
    ASSERT_TRUE(beside.ok()) << beside.status();
    EXPECT_EQ((*beside)->mode(), Store::Mode::kSecondary);
  }
  ledger.Close();
  absl::StatusOr<std::unique_ptr<Store>> alone =
      Store::Open(ledger.dir(), Store::Mode::kReadOnly, false);
  ASSERT_TRUE(alone.ok()) << alone.status();
  EXPECT_EQ((*alone)->mode(), Store::Mode::kReadOnly);
}

// A reader opens the tables without the bloom filters a writer reads
// through (SetTableOptions in store.cc): its lookups must still find every
// key a table holds, and no other, read-only and beside a writer alike.
TEST(StoreReaderTest, AReaderWithoutTheWritersFiltersFindsEveryStoredKeyAndNoOther) {
  TestLedger ledger;
  for (int i = 1; i <= 30; ++i) ASSERT_EQ(ledger.Code(Buy(i)), "ACCEPTED");
  ledger.Close();  // flushes: the keys are in table files, with filters
  auto expect_keys = [](const Store& store) {
    for (int i = 1; i <= 30; ++i) {
      absl::StatusOr<std::optional<v1::KeyRecord>> found =
          store.FindKey(absl::StrCat("k", i));
      ASSERT_TRUE(found.ok()) << found.status();
      ASSERT_TRUE(found->has_value()) << "k" << i;
      EXPECT_GT((*found)->seq(), 0u);
    }
    for (const char* absent : {"k0", "k31", "k300", "other"}) {
      absl::StatusOr<std::optional<v1::KeyRecord>> found = store.FindKey(absent);
      ASSERT_TRUE(found.ok()) << found.status();
      EXPECT_FALSE(found->has_value()) << absent;
    }
  };
  {
    absl::StatusOr<std::unique_ptr<Store>> alone =
        Store::Open(ledger.dir(), Store::Mode::kReadOnly, false);
    ASSERT_TRUE(alone.ok()) << alone.status();
    ASSERT_EQ((*alone)->mode(), Store::Mode::kReadOnly);
    expect_keys(**alone);
  }
  ledger.Reopen();
  absl::StatusOr<std::unique_ptr<Store>> beside =
      Store::Open(ledger.dir(), Store::Mode::kReadOnly, false);
  ASSERT_TRUE(beside.ok()) << beside.status();
  ASSERT_EQ((*beside)->mode(), Store::Mode::kSecondary);
  expect_keys(**beside);
}

TEST(StoreReaderTest, AReaderOfAClosedLedgerLeavesItOpenableForWriting) {
  TestLedger ledger;
  for (int i = 1; i <= 10; ++i) ASSERT_EQ(ledger.Code(Buy(i)), "ACCEPTED");
  ledger.Close();
  absl::StatusOr<ReplayReport> replay = ReplayLedger(ledger.dir());
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->ok) << replay->problem;
  EXPECT_EQ(replay->events, 10u);
  ledger.Reopen();  // the reader released the LOCK it held while opening
  EXPECT_EQ(ledger.Code(Buy(11)), "ACCEPTED");
  EXPECT_EQ(ledger->LastSeq(), 11u);
}

TEST(StoreReaderTest, AReaderNeverTouchesAFolderThatIsNotALedger) {
  testing::TempDir dir;
  const std::string stranger = dir.path() + "/stranger";
  std::filesystem::create_directories(stranger);
  { std::ofstream(stranger + "/notes.txt") << "not a ledger\n"; }
  absl::StatusOr<ReplayReport> replay = ReplayLedger(stranger);
  EXPECT_FALSE(replay.ok());
  EXPECT_FALSE(std::filesystem::exists(stranger + "/LOCK"));
}

}  // namespace
}  // namespace ledger
