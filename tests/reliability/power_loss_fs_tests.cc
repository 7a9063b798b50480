// The power-loss model itself (power_loss_fs.h), and the files and folders
// the ledger writes outside RocksDB's own (ledger/base/durable_file.h, the
// ledger's folder), each checked on that model at every point a power cut
// can fall (docs/reliability.md, "Power loss").
#include "tests/reliability/power_loss_fs.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/base/durable_file.h"
#include "ledger/ledger.h"
#include "ledger/storage/rocks_file_ops.h"
#include "ledger/write_path/open_with_env.h"
#include "tests/reliability/reliability_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using testing::BuyJson;
using testing::PowerCutDamage;
using testing::PowerLossFileSystem;
using testing::ReadTree;
using testing::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Writes `bytes` to a new file through the model; syncs it when `sync`.
void WriteThrough(PowerLossFileSystem& model, const std::string& path,
                  const std::string& bytes, bool sync) {
  std::unique_ptr<rocksdb::FSWritableFile> file;
  const rocksdb::IOOptions io;
  ASSERT_TRUE(model.NewWritableFile(path, rocksdb::FileOptions(), &file, nullptr).ok());
  ASSERT_TRUE(file->Append(bytes, io, nullptr).ok());
  if (sync) {
    ASSERT_TRUE(file->Sync(io, nullptr).ok());
  }
  ASSERT_TRUE(file->Close(io, nullptr).ok());
}

void SyncFolder(PowerLossFileSystem& model, const std::string& folder) {
  RocksFileOps ops(&model);
  ASSERT_TRUE(ops.SyncFolder(folder).ok());
}

void CutAndRestore(PowerLossFileSystem& model, PowerCutDamage* damage = nullptr) {
  model.PowerCut();
  absl::Status restored = model.Restore(damage);
  ASSERT_TRUE(restored.ok()) << restored;
  model.Reset();
}

TEST(PowerLossModel, BytesWrittenAfterTheLastSyncAreDropped) {
  TempDir root;
  PowerLossFileSystem model(root.path());
  const std::string path = root.path() + "/data";
  std::unique_ptr<rocksdb::FSWritableFile> file;
  const rocksdb::IOOptions io;
  ASSERT_TRUE(model.NewWritableFile(path, rocksdb::FileOptions(), &file, nullptr).ok());
  ASSERT_TRUE(file->Append("synced|", io, nullptr).ok());
  ASSERT_TRUE(file->Sync(io, nullptr).ok());
  ASSERT_TRUE(file->Append("flushed but not synced", io, nullptr).ok());
  ASSERT_TRUE(file->Flush(io, nullptr).ok());
  ASSERT_TRUE(file->RangeSync(0, 100, io, nullptr).ok());  // promises nothing
  ASSERT_TRUE(file->Close(io, nullptr).ok());
  SyncFolder(model, root.path());
  EXPECT_EQ(Slurp(path), "synced|flushed but not synced");
  PowerCutDamage damage;
  CutAndRestore(model, &damage);
  EXPECT_EQ(Slurp(path), "synced|");
  EXPECT_EQ(damage.bytes_dropped, 22u);
  EXPECT_EQ(damage.files_truncated, 1);
}

TEST(PowerLossModel, ANewFileVanishesUntilItsFolderIsSynced) {
  TempDir root;
  PowerLossFileSystem model(root.path());
  WriteThrough(model, root.path() + "/unlisted", "synced data", true);
  WriteThrough(model, root.path() + "/listed", "synced data", true);
  SyncFolder(model, root.path());
  WriteThrough(model, root.path() + "/late", "synced after the folder", true);
  CutAndRestore(model);
  EXPECT_FALSE(fs::exists(root.path() + "/late"));
  EXPECT_EQ(Slurp(root.path() + "/listed"), "synced data");
  // "unlisted" was created before the folder's fsync, so it is listed too.
  EXPECT_TRUE(fs::exists(root.path() + "/unlisted"));
}

TEST(PowerLossModel, ADeletedOrReplacedFileComesBackUntilItsFolderIsSynced) {
  TempDir root;
  testing::WriteFile(root.path() + "/CURRENT", "old");
  testing::WriteFile(root.path() + "/obsolete", "kept");
  PowerLossFileSystem model(root.path());  // both durable from here
  WriteThrough(model, root.path() + "/CURRENT.tmp", "new", true);
  ASSERT_TRUE(model.RenameFile(root.path() + "/CURRENT.tmp",
                               root.path() + "/CURRENT", rocksdb::IOOptions(),
                               nullptr).ok());
  ASSERT_TRUE(model.DeleteFile(root.path() + "/obsolete", rocksdb::IOOptions(),
                               nullptr).ok());
  PowerCutDamage damage;
  CutAndRestore(model, &damage);
  EXPECT_EQ(Slurp(root.path() + "/CURRENT"), "old");
  EXPECT_EQ(Slurp(root.path() + "/obsolete"), "kept");
  EXPECT_FALSE(fs::exists(root.path() + "/CURRENT.tmp"));
  EXPECT_EQ(damage.entries_restored, 2);

  // The same with the folder synced: the rename and the delete hold.
  WriteThrough(model, root.path() + "/CURRENT.tmp", "new", true);
  ASSERT_TRUE(model.RenameFile(root.path() + "/CURRENT.tmp",
                               root.path() + "/CURRENT", rocksdb::IOOptions(),
                               nullptr).ok());
  ASSERT_TRUE(model.DeleteFile(root.path() + "/obsolete", rocksdb::IOOptions(),
                               nullptr).ok());
  SyncFolder(model, root.path());
  CutAndRestore(model);
  EXPECT_EQ(Slurp(root.path() + "/CURRENT"), "new");
  EXPECT_FALSE(fs::exists(root.path() + "/obsolete"));
}

TEST(PowerLossModel, AFolderMadeBehindItsBackVanishesUnlessItsParentIsSynced) {
  TempDir root;
  PowerLossFileSystem model(root.path());
  fs::create_directories(root.path() + "/made/with/std");
  testing::WriteFile(root.path() + "/made/with/std/file", "bytes");
  CutAndRestore(model);
  EXPECT_FALSE(fs::exists(root.path() + "/made"));

  fs::create_directories(root.path() + "/synced");
  SyncFolder(model, root.path());
  CutAndRestore(model);
  EXPECT_TRUE(fs::is_directory(root.path() + "/synced"));
}

TEST(PowerLossModel, SyncsAfterTheCutCountForNothing) {
  TempDir root;
  PowerLossFileSystem model(root.path());
  model.PowerCut();
  WriteThrough(model, root.path() + "/after", "synced after the cut", true);
  SyncFolder(model, root.path());
  EXPECT_EQ(model.syncs_counted(), 0);
  ASSERT_TRUE(model.Restore(nullptr).ok());
  EXPECT_FALSE(fs::exists(root.path() + "/after"));
}

// The model must catch what the durable writer avoids: a small file
// rewritten in place, without a sync, is found empty.
TEST(PowerLossModel, AFileRewrittenInPlaceWithoutASyncIsFoundEmpty) {
  TempDir root;
  testing::WriteFile(root.path() + "/CLUSTER", "partitions 4\n");
  PowerLossFileSystem model(root.path());
  WriteThrough(model, root.path() + "/CLUSTER", "partitions 4\n", false);
  CutAndRestore(model);
  EXPECT_EQ(Slurp(root.path() + "/CLUSTER"), "");
}

// WriteFileDurably (the cluster's CLUSTER file, the demo's marker): at
// every point a cut can fall, the file holds the old bytes or the new ones,
// and the new ones once the call returned.
TEST(DurableFile, APowerCutLeavesTheOldBytesOrTheNewNeverATornFile) {
  int cut_points = 0;
  for (int cut_after = 0;; ++cut_after) {
    SCOPED_TRACE(absl::StrCat("cut after ", cut_after, " syncs"));
    TempDir root;
    const std::string path = root.path() + "/CLUSTER";
    testing::WriteFile(path, "partitions 4\n");
    PowerLossFileSystem model(root.path());
    RocksFileOps ops(&model);
    if (cut_after == 0) {
      model.PowerCut();
    } else {
      model.CutAfterSyncs(cut_after);
    }
    ASSERT_TRUE(WriteFileDurably(path, "partitions 8\n", ops).ok());
    const bool finished_before_the_cut = !model.IsCut();
    model.PowerCut();
    ASSERT_TRUE(model.Restore(nullptr).ok());
    const std::string found = Slurp(path);
    EXPECT_TRUE(found == "partitions 4\n" || found == "partitions 8\n") << found;
    ++cut_points;
    // Once the folder's sync counted, the rename holds.
    if (cut_after >= 2) {
      EXPECT_EQ(found, "partitions 8\n");
    }
    if (finished_before_the_cut) break;  // past the call's last sync
  }
  // Before the call, after the file's sync, after the folder's, and after
  // the call returned.
  EXPECT_EQ(cut_points, 4);
}

TEST(DurableFile, NewFoldersSurviveAPowerCutAtEveryPoint) {
  for (int cut_after = 1; cut_after <= 3; ++cut_after) {
    SCOPED_TRACE(absl::StrCat("cut after ", cut_after, " syncs"));
    TempDir root;
    PowerLossFileSystem model(root.path());
    RocksFileOps ops(&model);
    model.CutAfterSyncs(cut_after);
    const std::string deep = root.path() + "/a/b/c";
    ASSERT_TRUE(CreateFoldersDurably(deep, ops).ok());
    model.PowerCut();
    ASSERT_TRUE(model.Restore(nullptr).ok());
    // Each folder created is there exactly when its parent's sync counted.
    EXPECT_TRUE(fs::is_directory(root.path() + "/a"));
    EXPECT_EQ(fs::is_directory(root.path() + "/a/b"), cut_after >= 2);
    EXPECT_EQ(fs::is_directory(deep), cut_after >= 3);
  }
}

// Ledger::Open of a new folder: before the ledger synced its folder's entry
// in the parent, the first acknowledged command could vanish with the
// folder (RocksDB syncs the folder's entries, never the folder itself).
TEST(PowerLossLedger, ANewLedgersFolderSurvivesAPowerCutAfterItsFirstCommand) {
  TempDir root;
  PowerLossFileSystem model(root.path());
  std::unique_ptr<rocksdb::Env> env = model.NewEnv();
  const std::string dir = root.path() + "/customers/ledger";
  uint64_t seq = 0;
  {
    auto opened = OpenLedgerWithEnv(Options(), dir, env.get());
    ASSERT_TRUE(opened.ok()) << opened.status();
    auto r = (*opened)->SubmitJson(BuyJson("k-1", "c1", "p1", 100));
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->outcome, Outcome::kAccepted);
    seq = r->seq;
    ASSERT_FALSE(model.IsCut());  // acknowledged before the cut
    model.PowerCut();
    ASSERT_TRUE((*opened)->Close().ok());
  }
  PowerCutDamage damage;
  ASSERT_TRUE(model.Restore(&damage).ok());
  model.Reset();
  auto reopened = Ledger::Open(Options(), dir);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto again = (*reopened)->SubmitJson(BuyJson("k-1", "c1", "p1", 100));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->outcome, Outcome::kDuplicate);
  EXPECT_EQ(again->seq, seq);
}

// A power cut at every sync while Ledger::Open makes a new ledger:
// afterwards the folder is missing, or empty, or a ledger that opens; never
// a folder Open refuses. (Before the creation file of ledger/storage/
// store.cc, 18 of the 20 points left a folder without CURRENT, without a
// family or without the format marker, refused until removed by hand.)
TEST(PowerLossLedger, APowerCutWhileALedgerIsCreatedNeverLeavesAFolderOpenRefuses) {
  int points = 0;
  for (int cut_after = 1; cut_after < 200; ++cut_after) {
    SCOPED_TRACE(absl::StrCat("cut after ", cut_after, " syncs"));
    TempDir root;
    PowerLossFileSystem model(root.path());
    std::unique_ptr<rocksdb::Env> env = model.NewEnv();
    const std::string dir = root.path() + "/ledger";
    model.CutAfterSyncs(cut_after);
    bool acknowledged = false;
    bool cut_while_creating = false;
    {
      auto opened = OpenLedgerWithEnv(Options(), dir, env.get());
      ASSERT_TRUE(opened.ok()) << opened.status();
      cut_while_creating = model.IsCut();
      auto r = (*opened)->SubmitJson(BuyJson("k-1", "c1", "p1", 100));
      ASSERT_TRUE(r.ok()) << r.status();
      acknowledged = !model.IsCut();
      ASSERT_TRUE((*opened)->Close().ok());
    }
    model.PowerCut();
    ASSERT_TRUE(model.Restore(nullptr).ok());
    model.Reset();
    auto reopened = Ledger::Open(Options(), dir);
    ++points;
    if (!reopened.ok()) {
      std::string entries;
      for (const auto& [name, bytes] : ReadTree(dir)) {
        entries += absl::StrCat(" ", name, "(", bytes.size(), ")");
      }
      ADD_FAILURE() << reopened.status() << "; the folder holds:" << entries;
      continue;
    }
    auto again = (*reopened)->SubmitJson(BuyJson("k-1", "c1", "p1", 100));
    ASSERT_TRUE(again.ok()) << again.status();
    if (acknowledged) {
      EXPECT_EQ(again->outcome, Outcome::kDuplicate);
    }
    // Past the creation's last sync: every point of it was tried (and
    // this last one, a cut during the first command or the close, too).
    if (!cut_while_creating) break;
  }
  EXPECT_GT(points, 10);
}

}  // namespace
}  // namespace ledger
