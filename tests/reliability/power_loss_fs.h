// A RocksDB FileSystem that can lose power (docs/reliability.md, "Power
// loss"). A killed process leaves everything it wrote in the operating
// system's cache, which still reaches the disk; a power cut (a kernel panic,
// a VM stopped by its host) keeps only what was synced. This file system
// wraps the real one under a root folder and remembers what a sync made
// durable:
//
// - per file, the bytes up to its last successful Sync/Fsync (RangeSync,
//   sync_file_range, promises nothing after a power cut and counts for
//   nothing);
// - per folder, its entries (names) at its last successful directory fsync:
//   a file created, renamed or deleted since then may come back as it was.
//
// PowerCut() is the instant the power goes: from then on no sync counts, so
// the ledger can run on (its later writes reach the files but not the
// durable image) and be closed without an error path. Restore(), once the
// ledger is closed, rewrites the real files under the root into what a
// machine would find after the cut: every file truncated to its synced
// size, every entry created since its folder's last fsync removed (a folder
// with all it holds), every durable entry deleted or renamed away since
// then put back with its synced bytes. Then Reset() starts the next round
// from what is on disk.
//
// Folders and files made behind its back (std::filesystem, std::ofstream)
// are seen at Restore: an entry the last fsync of its folder did not list
// is removed, whoever made it. So a folder whose creation was never made
// durable by an fsync of its parent vanishes, as it can on a real disk.
//
// The model decides what a sync kept, so the real fsyncs are not made
// (the test's machine never loses power; they would only cost time).
//
// Its idea is RocksDB's FaultInjectionTestFS; the code is our own.
//
//   PowerLossFileSystem fs(root);
//   std::unique_ptr<rocksdb::Env> env = fs.NewEnv();
//   auto ledger = OpenLedgerWithEnv(Options(), root + "/db", env.get());
//   ... writers run; then, at a random moment:
//   fs.PowerCut();     // acknowledgements from now on never reached anyone
//   ... stop the writers, close the ledger
//   fs.Restore();      // the disk as the power cut left it
//   fs.Reset();        // the next round starts from here
#ifndef CREDIT_LEDGER_TESTS_RELIABILITY_POWER_LOSS_FS_H_
#define CREDIT_LEDGER_TESTS_RELIABILITY_POWER_LOSS_FS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace ledger::testing {

// What one Restore threw away, for the test's figures.
struct PowerCutDamage {
  uint64_t bytes_dropped = 0;     // written after their file's last sync
  int files_truncated = 0;        // of which files
  int entries_removed = 0;        // names created since their folder's fsync
  int entries_restored = 0;       // durable names deleted or renamed since
  // At the instant of the cut: write-ahead logs holding bytes not yet
  // synced (a group written, its sync not done: mid-group), and SST files
  // open for writing (mid-flush or mid-compaction).
  int wal_files_with_unsynced = 0;
  int tables_in_progress = 0;
};

class PowerLossFileSystem : public rocksdb::FileSystemWrapper {
 public:
  // Models power loss for every path under `root` (an existing folder,
  // durable as it is now); other paths pass through untouched.
  explicit PowerLossFileSystem(const std::string& root);
  ~PowerLossFileSystem() override;

  // An Env whose file operations go through this file system. It must not
  // outlive it.
  std::unique_ptr<rocksdb::Env> NewEnv();

  // The power goes now: no later sync counts. Thread-safe, instantaneous.
  void PowerCut();
  // Whether the power was cut. A caller that sees false after its call
  // returned knows every sync that call waited for counted (a sync is
  // recorded under the same lock that PowerCut takes).
  bool IsCut() const;

  // Rewrites the files under the root as the cut left them. REQUIRES:
  // PowerCut() was called and nothing has a file under the root open.
  // Internal when the model cannot restore something (a durable file
  // deleted behind its back).
  [[nodiscard]] absl::Status Restore(PowerCutDamage* damage);

  // Forgets every record: whatever is under the root now is durable, and
  // syncs count again.
  void Reset();

  // Syncs (file and directory) that counted since the last Reset.
  int syncs_counted() const;
  // Cuts the power right after the n-th counted sync since the last Reset
  // (0: never by itself), so a test can try every point of a short
  // sequence of writes.
  void CutAfterSyncs(int n);
  // Cuts the power right after the n-th append to an SST file since the
  // last Reset (0: never by itself): in the middle of a flush or a
  // compaction.
  void CutAtTableAppend(int n);
  // Cuts the power right after the n-th append to a write-ahead log since
  // the last Reset (0: never by itself): a group written, its sync not
  // yet made.
  void CutAtWalAppend(int n);

  // rocksdb::FileSystem, as far as the ledger uses it. Link, reuse and
  // random read-write files are refused (the ledger's RocksDB uses none):
  // an unmodelled path must fail loudly, not pass untested.
  const char* Name() const override { return "PowerLossFileSystem"; }
  rocksdb::IOStatus NewWritableFile(const std::string& name,
                                    const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& name, const std::string& old_name,
      const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& name,
                                    const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name,
                                 const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& name,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src,
                               const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& name, size_t size,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;

  // Called by the files and folders it opened.
  struct FileRecord;
  void Appended(FileRecord& record, uint64_t bytes);
  uint64_t SizeOf(FileRecord& record);
  void Synced(FileRecord& record, uint64_t size_before_sync);
  void Closed(FileRecord& record);
  void FolderSynced(const std::string& folder);

 private:
  void CountSync();  // mu_ held
  void Cut();        // mu_ held: the power goes now
  bool Tracked(const std::string& path) const;
  // The record of a file opened for writing at `path`; `truncated` when
  // the open emptied it. mu_ held.
  std::shared_ptr<FileRecord> RecordFor(const std::string& path,
                                        bool truncated);
  // Keeps the durable bytes of `path` before its name changes, unless its
  // folder's durable entries do not hold it or they are kept already.
  void KeepDurableBytes(const std::string& path);  // mu_ held
  uint64_t DurableSize(const std::string& path);   // mu_ held
  absl::Status RestoreFolder(const std::string& folder, PowerCutDamage* damage);

  const std::string root_;
  mutable std::mutex mu_;
  bool cut_ = false;
  PowerCutDamage at_cut_;  // what the cut caught in flight
  int syncs_counted_ = 0;
  int cut_after_syncs_ = 0;
  int cut_at_table_append_ = 0;
  int table_appends_ = 0;
  int cut_at_wal_append_ = 0;
  int wal_appends_ = 0;
  // Files written since Reset, by their current path.
  std::map<std::string, std::shared_ptr<FileRecord>> files_;
  // Each folder's entries at its last fsync (or Reset). A folder absent
  // here was made since Reset and never synced: none of its entries is
  // durable.
  std::map<std::string, std::set<std::string>> durable_entries_;
  // The durable bytes of durable names deleted or renamed away (or
  // renamed over) since their folder's last fsync.
  std::map<std::string, std::string> kept_;
};

// Every file under `folder` (recursive, by path relative to it) with its
// bytes, and every folder with "/" as its bytes: for comparing images in
// the tests of the model itself.
std::map<std::string, std::string> ReadTree(const std::string& folder);

}  // namespace ledger::testing

#endif  // CREDIT_LEDGER_TESTS_RELIABILITY_POWER_LOSS_FS_H_
