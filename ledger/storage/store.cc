#include "ledger/storage/store.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/durable_file.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/info_log.h"
#include "ledger/storage/rocks_file_ops.h"
#include "ledger/storage/sorted_batch.h"
#include "ledger/storage/storage_layout.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"

namespace ledger {
namespace {

const std::vector<std::string>& FamilyNames() {
  static const auto* names = new std::vector<std::string>{
      kMetaFamily, kEventsFamily, kKeysFamily, kStateFamily};
  return *names;
}

bool IsMissingOrEmpty(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return true;
  return std::filesystem::is_directory(dir, ec) &&
         std::filesystem::is_empty(dir, ec);
}

rocksdb::Options BaseOptions() {
  rocksdb::Options options;
  // Checksums everywhere: a flipped byte must surface as corruption, never as
  // a wrong balance.
  options.paranoid_checks = true;
  // A bad WAL record is an error at open, never a silent end of the log
  // (the default, kPointInTimeRecovery, stops replaying the WAL there and
  // opens without a word, dropping acknowledged commands). Only a torn last
  // record is tolerated: with sync on it can only hold a group that was
  // never acknowledged (docs/reliability.md).
  options.wal_recovery_mode =
      rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  options.IncreaseParallelism(2);
  return options;
}

// The families' table options. One LRU block cache for all four holds the
// data blocks read and, with cache_index_and_filter_blocks, the index and
// filter blocks too: left outside (RocksDB's default) they stay on the heap
// for every open table file and grow with the log. L0's are pinned, since
// every read consults them. The `keys` and `state` families, read by point
// lookups on the write path, get whole-key bloom filters (10 bits a key,
// about 1% false positives), so a new idempotency key or a new usage id
// costs no disk read most of the time; `events` is only scanned and gets
// none.
//
// Only a writer reads through those filters. A reader (read-only or
// secondary) opens every table file at once (max_open_files = -1, see
// OpenReader), and RocksDB then reads each table's whole partitioned
// filter into the cache as it opens it: 10 bits a key of `keys` and
// `state`, read in full by every `ledgerctl statement` or `balance` and
// growing with history (a third of such a command's CPU at 10 million
// events, docs/benchmarks.md, "One customer's reads at 10 million
// events"). A reader mostly looks up keys that are there, where a filter
// spares nothing; a miss without it reads an index and a data block of
// each level its key could be in, far less than reading every filter at
// open. The files keep their filters, and a writer reads through them.
void SetTableOptions(const std::string& family,
                     const std::shared_ptr<rocksdb::Cache>& cache,
                     bool with_filters, rocksdb::ColumnFamilyOptions& options) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Index and filter in partitions of about 4 KiB, with only their small
  // top level pinned: a whole-file filter is 10 bits a key (3 to 4 MiB for
  // a 64 MiB table of a million-customer `state`), larger than a shard of
  // the block cache (64 MiB in 64 shards), so it was evicted as soon as it
  // was read and read again, megabytes per lookup: a writer missing its
  // state cache ran 750 commands/s at a million customers, where partitions
  // cost one small block per lookup (docs/benchmarks.md, "The write path and
  // years of history (2026-12-02)").
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  if (family == kKeysFamily || family == kStateFamily) {
    if (with_filters) {
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      table.partition_filters = true;
    }
    // The same for the memtables: the writer's lookups of a new key and a
    // new usage id find nothing, and without a filter each searched the
    // skip list of a 64 MiB memtable (about a tenth of the writer's CPU).
    // 2% of the write buffer, 1.3 MiB per memtable, is 10 bits a key for
    // a million entries.
    options.memtable_whole_key_filtering = true;
    options.memtable_prefix_bloom_size_ratio = 0.02;
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
}

bool HasFamily(const std::string& dir, const std::string& family) {
  std::vector<std::string> families;
  return rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &families)
             .ok() &&
         std::find(families.begin(), families.end(), family) != families.end();
}

absl::Status CheckIsLedger(const std::string& dir) {
  std::vector<std::string> families;
  rocksdb::Status s =
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &families);
  if (s.IsCorruption()) {
    // A ledger whose MANIFEST or CURRENT is damaged: data loss, not a
    // stranger's folder.
    return absl::DataLossError(absl::StrCat(
        dir, " holds a damaged database: ", s.ToString()));
  }
  if (!s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, " is not a ledger: it is not empty and holds no ledger database (",
        s.ToString(), ")"));
  }
  for (const std::string& name : FamilyNames()) {
    if (std::find(families.begin(), families.end(), name) == families.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, " is not a ledger: its database has no '", name, "' family"));
    }
  }
  return absl::OkStatus();
}

// RocksDB reports a LOCK held by another process (or another instance in
// this one) as a plain IOError, like a failing disk: tell the two apart by
// trying the lock once. Racy only in the message it picks.
bool LockIsHeld(const std::string& dir, rocksdb::Env* env) {
  rocksdb::FileLock* lock = nullptr;
  if (!env->LockFile(dir + "/LOCK", &lock).ok()) return true;
  env->UnlockFile(lock).PermitUncheckedError();
  return false;
}

// A new ledger is made in three steps, each durable before the next: this
// file (synced, with its folder), the database with its families and the
// format marker (synced), then the file's removal (synced). A power cut
// between them leaves a folder RocksDB or Store::Open would refuse (no
// CURRENT, a family missing, no marker: measured at 18 of the 20 syncs of
// a creation, docs/reliability.md). While this file is there, Ledger::Open
// has not returned, so nothing in the folder was ever acknowledged: the
// next writer clears the folder and creates the ledger afresh, and readers
// see no ledger.
constexpr char kCreatingFile[] = "LEDGER-CREATING";
constexpr char kCreatingText[] =
    "credit-ledger: Ledger::Open is creating a ledger in this folder\n";

bool CreationWasCut(const std::string& dir) {
  std::ifstream in(dir + "/" + kCreatingFile, std::ios::binary);
  if (!in) return false;
  std::string text((std::istreambuf_iterator<char>(in)), {});
  return text == kCreatingText;
}

// Removes what a creation cut short left in `dir`, under the database's
// LOCK (a process creating it right now holds that LOCK), and syncs the
// folder. Only plain files are removed: RocksDB makes no sub-folder.
absl::Status ClearCutCreation(const std::string& dir, rocksdb::Env* env) {
  rocksdb::FileLock* lock = nullptr;
  if (!env->LockFile(dir + "/LOCK", &lock).ok()) {
    return absl::AbortedError(absl::StrCat(
        "another process is creating the ledger ", dir, ": only one writer "
        "at a time"));
  }
  rocksdb::FileSystem* fs = env->GetFileSystem().get();
  std::vector<std::string> names;
  rocksdb::IOStatus s =
      fs->GetChildren(dir, rocksdb::IOOptions(), &names, nullptr);
  for (const std::string& name : names) {
    if (!s.ok()) break;
    if (name == "." || name == ".." || name == "LOCK" || name == kCreatingFile) {
      continue;
    }
    s = fs->DeleteFile(dir + "/" + name, rocksdb::IOOptions(), nullptr);
  }
  env->UnlockFile(lock).PermitUncheckedError();
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "cannot clear ", dir, ", whose creation was cut short: ", s.ToString()));
  }
  RocksFileOps ops(fs);
  return ops.SyncFolder(dir);
}

absl::Status EndCreation(const std::string& dir, rocksdb::Env* env) {
  rocksdb::FileSystem* fs = env->GetFileSystem().get();
  rocksdb::IOStatus s = fs->DeleteFile(dir + "/" + kCreatingFile,
                                       rocksdb::IOOptions(), nullptr);
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "cannot finish creating ", dir, ": ", s.ToString()));
  }
  RocksFileOps ops(fs);
  return ops.SyncFolder(dir);
}

}  // namespace

absl::Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(std::string(context), ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  if (s.IsIOError()) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

namespace {

// FailedPrecondition with the stored format marker as its payload.
absl::Status RefusedFormat(const std::string& marker, const std::string& message) {
  absl::Status refused = absl::FailedPreconditionError(message);
  refused.SetPayload(kRefusedFormatPayloadUrl, absl::Cord(marker));
  return refused;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir,
                                                   Mode mode,
                                                   bool create_if_missing,
                                                   rocksdb::Env* env,
                                                   size_t block_cache_bytes,
                                                   const StoreTuning& tuning) {
  if (mode == Mode::kSecondary) {
    return absl::InvalidArgumentError(
        "a secondary instance needs a scratch folder: use Store::OpenSecondary");
  }
  if (mode == Mode::kReadOnly) return OpenReader(dir, env, block_cache_bytes);
  return OpenIn(dir, mode, create_if_missing, env, "", block_cache_bytes,
                tuning);
}

// RocksDB leaves a read-only instance undefined while another instance
// writes the database. Holding the database's LOCK while opening proves no
// writer is there and none starts meanwhile; the read-only instance then
// opens every table file (max_open_files = -1), so a writer that starts
// later and compacts cannot pull files from under it, and a damaged WAL is
// still reported (docs/reliability.md). When the LOCK is held (a writer is
// live, in this process or another), a secondary instance reads instead,
// RocksDB's way to read beside a writer: it sees the state of the moment it
// opened, whole groups only (a WAL record is one batch).
absl::StatusOr<std::unique_ptr<Store>> Store::OpenReader(
    const std::string& dir, rocksdb::Env* env, size_t block_cache_bytes) {
  if (IsMissingOrEmpty(dir) || CreationWasCut(dir)) {
    return absl::NotFoundError(absl::StrCat("no ledger in ", dir));
  }
  // Before touching its LOCK: never write into a folder that is not a ledger.
  RETURN_IF_ERROR(CheckIsLedger(dir));
  rocksdb::Env* lock_env = env != nullptr ? env : rocksdb::Env::Default();
  rocksdb::FileLock* lock = nullptr;
  if (lock_env->LockFile(dir + "/LOCK", &lock).ok()) {
    absl::StatusOr<std::unique_ptr<Store>> store =
        OpenIn(dir, Mode::kReadOnly, /*create_if_missing=*/false, env, "",
               block_cache_bytes);
    lock_env->UnlockFile(lock).PermitUncheckedError();
    return store;
  }
  std::error_code ec;
  std::string scratch =
      (std::filesystem::temp_directory_path(ec) / "ledger-reader-XXXXXX")
          .string();
  if (ec || mkdtemp(scratch.data()) == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot make a scratch folder to read ", dir,
        " beside its writer: ", ec ? ec.message() : std::strerror(errno)));
  }
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenIn(dir, Mode::kSecondary, /*create_if_missing=*/false, env, scratch,
             block_cache_bytes);
  if (!store.ok()) {
    std::filesystem::remove_all(scratch, ec);
    return store;
  }
  (*store)->owned_scratch_ = std::move(scratch);
  return store;
}

absl::StatusOr<std::unique_ptr<Store>> Store::OpenSecondary(
    const std::string& dir, const std::string& scratch_dir) {
  if (scratch_dir.empty()) {
    return absl::InvalidArgumentError(
        "a secondary instance needs a scratch folder");
  }
  return OpenIn(dir, Mode::kSecondary, /*create_if_missing=*/false, nullptr,
                scratch_dir, kDefaultBlockCacheBytes);
}

absl::StatusOr<std::unique_ptr<Store>> Store::OpenIn(
    const std::string& dir, Mode mode, bool create_if_missing,
    rocksdb::Env* env, const std::string& scratch_dir,
    size_t block_cache_bytes, const StoreTuning& tuning) {
  const bool cut_creation = CreationWasCut(dir);
  const bool fresh = cut_creation || IsMissingOrEmpty(dir);
  if (fresh && (mode != Mode::kReadWrite || !create_if_missing)) {
    return absl::NotFoundError(absl::StrCat("no ledger in ", dir));
  }
  if (!fresh) RETURN_IF_ERROR(CheckIsLedger(dir));
  rocksdb::Options options = BaseOptions();
  if (env != nullptr) options.env = env;
  if (cut_creation) RETURN_IF_ERROR(ClearCutCreation(dir, options.env));
  if (fresh) {
    // RocksDB syncs the entries of the ledger's folder, never the folder's
    // own entry in its parent: without this sync a power cut could take
    // the whole folder, acknowledged commands and all (docs/reliability.md).
    RocksFileOps ops(options.env->GetFileSystem().get());
    RETURN_IF_ERROR(CreateFoldersDurably(dir, ops));
    RETURN_IF_ERROR(
        WriteFileDurably(dir + "/" + kCreatingFile, kCreatingText, ops));
  }
  options.create_if_missing = fresh;
  options.max_total_wal_size = tuning.max_total_wal_bytes != 0
                                   ? tuning.max_total_wal_bytes
                                   : kMaxTotalWalBytes;
  // CheckIsLedger above found the ledger's own families: only the refusal
  // journal's may be missing (a ledger made before it), and a writer
  // creates it; a reader opens what is there.
  options.create_missing_column_families = mode == Mode::kReadWrite;
  std::vector<std::string> names = FamilyNames();
  if (mode == Mode::kReadWrite || HasFamily(dir, kRejectionsFamily)) {
    names.push_back(kRejectionsFamily);
  }
  // Likewise the pending-refund queue's (storage_layout.h) and the
  // customer index's (docs/storage.md, "The customer index").
  if (mode == Mode::kReadWrite || HasFamily(dir, kPendingRefundsFamily)) {
    names.push_back(kPendingRefundsFamily);
  }
  if (mode == Mode::kReadWrite || HasFamily(dir, kCustomerEventsFamily)) {
    names.push_back(kCustomerEventsFamily);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  const std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(block_cache_bytes);
  for (const std::string& name : names) {
    rocksdb::ColumnFamilyOptions family(options);
    SetTableOptions(name, cache, mode == Mode::kReadWrite, family);
    if (tuning.write_buffer_bytes != 0) {
      family.write_buffer_size = tuning.write_buffer_bytes;
    }
    descriptors.emplace_back(name, family);
  }
  std::unique_ptr<Store> store(new Store());
  store->mode_ = mode;
  store->read_only_ = mode != Mode::kReadWrite;
  store->dir_ = dir;
  store->env_ = env;
  rocksdb::Status s;
  switch (mode) {
    case Mode::kReadOnly:
      // Every table file opened now: see OpenReader.
      options.max_open_files = -1;
      s = rocksdb::DB::OpenForReadOnly(options, dir, descriptors,
                                       &store->handles_, &store->db_);
      break;
    case Mode::kSecondary:
      // RocksDB requires it of a secondary: it must keep every table file
      // open, since the primary may delete them after a compaction.
      options.max_open_files = -1;
      s = rocksdb::DB::OpenAsSecondary(options, dir, scratch_dir, descriptors,
                                       &store->handles_, &store->db_);
      break;
    case Mode::kReadWrite:
      // With the default (-1) RocksDB opens every table file at DB::Open
      // and reads each one's index and filter blocks into the cache, so
      // Open's time and memory grew with the log (0.15 s and 46 MiB at
      // 200 000 events, 0.55 s and 89 MiB at 1.1 million,
      // docs/benchmarks.md). With a bound, tables are opened when first
      // read, and files the writer does not read stay closed. Statistics
      // for compaction are then gathered as files are opened, not all at
      // Open.
      //
      // The table cache is split in 2^table_cache_numshardbits shards, each
      // an LRU of its share of the files: with RocksDB's default of 64
      // shards, the earlier bound of 64 files left each shard room for about
      // one table, so tables were closed and reopened (reading their index
      // and filter again) on nearly every lookup of a writer missing its
      // state cache. 4 shards of 128 keep every table of a ledger of about
      // 30 GiB open once read; an open table without its blocks (they live
      // in the block cache) costs a few KiB.
      options.max_open_files = 512;
      options.table_cache_numshardbits = 2;
      options.skip_stats_update_on_db_open = true;
      // A full disk must be an error, not an abort: the info log is the
      // ledger's (info_log.h says why), and no-space errors are the write
      // path's to recover from (disk_space.h).
      options.info_log = NewInfoLog(dir);
      store->space_ = std::make_shared<OutOfSpaceListener>();
      options.listeners.push_back(store->space_);
      s = rocksdb::DB::Open(options, dir, descriptors, &store->handles_,
                            &store->db_);
      if (s.IsIOError() && LockIsHeld(dir, options.env)) {
        return absl::AbortedError(absl::StrCat(
            "another process (or another open Ledger in this process) has "
            "the ledger ", dir, " open: only one writer at a time; close it "
            "first (", s.ToString(), ")"));
      }
      break;
  }
  if (IsNoSpace(s)) {
    // Opening writes (a new WAL, the recovered memtables, a MANIFEST).
    return DiskFullError(dir, absl::StrCat("opening it needs room to write: ",
                                           s.ToString()));
  }
  RETURN_IF_ERROR(FromRocks(s, absl::StrCat("opening ledger ", dir)));
  for (size_t i = 0; i < names.size() && i < store->handles_.size(); ++i) {
    if (names[i] == kRejectionsFamily) store->rejections_ = store->handles_[i];
    if (names[i] == kPendingRefundsFamily) {
      store->pending_refunds_ = store->handles_[i];
    }
    if (names[i] == kCustomerEventsFamily) {
      store->customer_events_ = store->handles_[i];
    }
  }
  if (fresh) {
    rocksdb::WriteBatch batch;
    batch.Put(store->meta(), kFormatKey, kFormatValue);
    RETURN_IF_ERROR(store->Write(batch, /*sync=*/true));
    RETURN_IF_ERROR(EndCreation(dir, options.env));
  }
  std::string format;
  s = store->db_->Get(rocksdb::ReadOptions(), store->meta(), kFormatKey, &format);
  if (s.ok() && format == kPreviousFormatValue) {
    // Nothing was written: a /1 ledger is only read by the build that wrote
    // it. Its export is the one path over, as import rebuilds every record
    // in this layout and checks each event against the exported one.
    return RefusedFormat(format, absl::StrCat(
        dir, " is a ledger of the previous format '", kPreviousFormatValue,
        "', which this build does not read (it reads '", kFormatValue,
        "'). Migrate it: with the build that wrote it, run `ledgerctl export "
        "--db ", dir, " --format jsonl > ledger.jsonl`; then, with this "
        "build, `ledgerctl import --db NEWDIR ledger.jsonl` "
        "(docs/storage.md, \"Format versions\")"));
  }
  if (s.ok() && format != kFormatValue) {
    return RefusedFormat(format, absl::StrCat(dir, " is not a ledger of this format (expected '",
                                 kFormatValue, "', found '", absl::CEscape(format), "')"));
  }
  if (s.IsNotFound()) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, " is not a ledger of this format (expected '", kFormatValue, "')"));
  }
  RETURN_IF_ERROR(FromRocks(s, "reading the format marker"));
  return store;
}

Store::~Store() {
  absl::Status closed = Close();
  (void)closed;
}

absl::Status Store::Close() {
  absl::Status status;
  // Out of space, the flush would enter the write path RocksDB left in
  // error (see Write); the WAL holds everything acknowledged anyway.
  if (db_ != nullptr && !read_only_ && !out_of_space()) {
    status = FromRocks(db_->Flush(rocksdb::FlushOptions(), handles_),
                       "flushing the ledger on close");
  }
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    if (db_ != nullptr) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  handles_.clear();
  rejections_ = nullptr;
  customer_events_ = nullptr;
  if (db_ != nullptr && !read_only_) {
    absl::Status closed = FromRocks(db_->Close(), "closing the ledger");
    if (status.ok()) status = closed;
  }
  delete db_;
  db_ = nullptr;
  if (!owned_scratch_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(owned_scratch_, ec);  // only our own files
    owned_scratch_.clear();
  }
  return status;
}

absl::StatusOr<v1::HeadRecord> Store::ReadHead() const {
  v1::HeadRecord head;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta(), kHeadKey, &value);
  if (s.IsNotFound()) {
    head.set_hash(std::string(kHashBytes, '\0'));
    return head;
  }
  RETURN_IF_ERROR(FromRocks(s, "reading the head"));
  if (!head.ParseFromString(value) || head.hash().size() != kHashBytes) {
    return absl::DataLossError("the stored head is corrupt");
  }
  return head;
}

absl::Status Store::LoadState(LedgerState& state) const {
  StateDecoder decoder(state);
  RETURN_IF_ERROR(ForEachStateEntry(
      [&](std::string_view key, std::string_view value) {
        return decoder.Add(key, value);
      }));
  return decoder.Finish();
}

namespace {

absl::Status Scan(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                  std::string_view from,
                  const std::function<absl::Status(std::string_view,
                                                   std::string_view)>& fn) {
  rocksdb::ReadOptions read;
  read.verify_checksums = true;
  read.fill_cache = false;
  // RocksDB's own readahead (none set): after two sequential block reads a
  // table iterator asks the OS to read ahead, growing to 256 KiB, into the
  // page cache. A set size gives every table iterator of the scan a buffer
  // of its own that large: a scan holds one per level and per level-0
  // file, and an audit runs several scans at once, so 4 MiB each was a
  // third of a replay's heap at a million events and grew with the log's
  // levels (docs/benchmarks.md, "Years of history: as-of reads, replay's
  // memory and rate").
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read, family));
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid();
       it->Next()) {
    RETURN_IF_ERROR(fn(std::string_view(it->key().data(), it->key().size()),
                       std::string_view(it->value().data(), it->value().size())));
  }
  return FromRocks(it->status(), "scanning the ledger");
}

}  // namespace

absl::Status Store::ForEachKey(
    const std::function<absl::Status(std::string_view, const v1::KeyRecord&)>&
        fn) const {
  return Scan(db_, keys(), "", [&](std::string_view key, std::string_view value) {
    v1::KeyRecord record;
    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::DataLossError("a stored idempotency record is corrupt");
    }
    return fn(key, record);
  });
}

absl::Status Store::ForEachKeyBytes(
    const std::function<absl::Status(std::string_view, std::string_view)>& fn)
    const {
  return Scan(db_, keys(), "", fn);
}

absl::Status Store::ForEachMetaEntry(
    const std::function<absl::Status(std::string_view, std::string_view)>& fn)
    const {
  return Scan(db_, meta(), "", fn);
}

absl::Status Store::ForEachStateEntry(
    const std::function<absl::Status(std::string_view, std::string_view)>& fn,
    std::string_view from) const {
  return Scan(db_, state(), from, fn);
}

absl::Status Store::ForEachRejection(
    const std::function<absl::Status(std::string_view, std::string_view)>& fn,
    std::string_view from) const {
  if (rejections() == nullptr) return absl::OkStatus();
  return Scan(db_, rejections(), from, fn);
}

absl::StatusOr<std::optional<std::string>> Store::LastRejectionKey() const {
  if (rejections() == nullptr) return std::optional<std::string>();
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), rejections()));
  // The last refusal, below the index's marker and entries (which sort
  // after every refusal key: storage_layout.h).
  const rocksdb::Slice marker(kRejectionIndexBuiltKey, 1);
  it->SeekForPrev(marker);
  if (it->Valid() && it->key() == marker) it->Prev();
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the refusal journal"));
  if (!it->Valid()) return std::optional<std::string>();
  return std::optional<std::string>(it->key().ToString());
}

absl::Status Store::ForEachEvent(
    uint64_t from_seq,
    const std::function<absl::Status(std::string_view, std::string_view)>& fn)
    const {
  return Scan(db_, events(), EventKey(from_seq), fn);
}

absl::Status Store::ForEachStateEntryIn(
    std::string_view from, std::string_view to,
    const std::function<absl::Status(std::string_view, std::string_view)>& fn)
    const {
  rocksdb::ReadOptions read;
  read.verify_checksums = true;
  const rocksdb::Slice upper(to.data(), to.size());
  read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, state()));
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid();
       it->Next()) {
    RETURN_IF_ERROR(fn(std::string_view(it->key().data(), it->key().size()),
                       std::string_view(it->value().data(), it->value().size())));
  }
  return FromRocks(it->status(), "reading stored projections");
}

absl::StatusOr<std::optional<std::string>> Store::ReadStateEntry(
    std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), state(),
                               rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  RETURN_IF_ERROR(FromRocks(s, "reading a stored projection"));
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<std::vector<std::optional<std::string>>>
Store::ReadStateEntries(const std::vector<std::string>& keys) const {
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (const std::string& key : keys) slices.emplace_back(key);
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), state(), keys.size(), slices.data(),
                values.data(), statuses.data());
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    RETURN_IF_ERROR(FromRocks(statuses[i], "reading stored projections"));
    out[i].emplace(values[i].data(), values[i].size());
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> Store::ReadEventValue(
    uint64_t seq) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), events(), EventKey(seq),
                               &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  RETURN_IF_ERROR(FromRocks(s, "reading a stored event"));
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<std::string> Store::HashBefore(uint64_t seq) const {
  if (seq <= 1) return std::string(kHashBytes, '\0');
  ASSIGN_OR_RETURN(std::optional<std::string> value, ReadEventValue(seq - 1));
  if (!value.has_value() || value->size() < kHashBytes) {
    return absl::DataLossError(absl::StrCat(
        "stored event ", seq - 1, ", which event ", seq,
        " chains onto, is missing or shorter than its hash"));
  }
  value->resize(kHashBytes);
  return std::move(*value);
}

absl::StatusOr<v1::Event> StoredEventDecoder::Next(std::string_view key,
                                                   std::string_view value) {
  ASSIGN_OR_RETURN(uint64_t seq, DecodeEventKey(key));
  if (last_seq_ == 0 || seq != last_seq_ + 1) {
    ASSIGN_OR_RETURN(last_hash_, store_.HashBefore(seq));
  }
  ASSIGN_OR_RETURN(v1::Event event, DecodeStoredEvent(key, value, last_hash_));
  last_seq_ = seq;
  last_hash_.assign(value.data(), kHashBytes);  // DecodeStoredEvent checked the size
  return event;
}

absl::StatusOr<std::optional<v1::KeyRecord>> Store::FindKey(
    std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), keys(),
                               rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<v1::KeyRecord>();
  RETURN_IF_ERROR(FromRocks(s, "reading an idempotency record"));
  v1::KeyRecord record;
  if (!record.ParseFromString(value)) {
    return absl::DataLossError("a stored idempotency record is corrupt");
  }
  return std::optional<v1::KeyRecord>(std::move(record));
}

absl::StatusOr<v1::KeyRecord> Store::ReadKey(std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), keys(),
                               rocksdb::Slice(key.data(), key.size()), &value);
  RETURN_IF_ERROR(FromRocks(s, "reading an idempotency record"));
  v1::KeyRecord record;
  if (!record.ParseFromString(value)) {
    return absl::DataLossError("a stored idempotency record is corrupt");
  }
  return record;
}

absl::Status Store::CatchUp() {
  if (mode_ != Mode::kSecondary) {
    return absl::FailedPreconditionError(
        "only a secondary instance catches up with the writer");
  }
  return FromRocks(db_->TryCatchUpWithPrimary(),
                   "catching up with the writing process");
}

// Below this many entries a batch is written as it is: a group of a few
// commands gains nothing from the copy (sorted_batch.h).
constexpr size_t kMinSortedBatchEntries = 64;

absl::Status Store::Write(rocksdb::WriteBatch& batch, bool sync) {
  if (read_only_) {
    return absl::FailedPreconditionError(
        "the ledger was opened read-only and is never written");
  }
  if (out_of_space()) return DiskFullError(dir_, out_of_space_cause());
  rocksdb::WriteOptions options;
  options.sync = sync;
  // A large batch goes to the memtables in key order (sorted_batch.h).
  // handles_ holds every family opened, the optional ones included.
  std::optional<rocksdb::WriteBatch> sorted =
      SortedForMemtable(batch, handles_, kMinSortedBatchEntries);
  rocksdb::Status s = db_->Write(options, sorted ? &*sorted : &batch);
  // A write stalled behind a flush or compaction that ran out of space
  // fails as Incomplete, with the no-space error the listener was told.
  if (IsNoSpace(s) || (!s.ok() && out_of_space())) {
    space_->Mark(s.ToString());
    return DiskFullError(dir_, s.ToString());
  }
  return FromRocks(s, "writing to the ledger");
}

absl::StatusOr<uint64_t> Store::FreeBytes() const {
  if (env_ == nullptr) return FreeDiskBytes(dir_);
  uint64_t free = 0;
  rocksdb::Status s = env_->GetFreeSpace(dir_, &free);
  RETURN_IF_ERROR(FromRocks(s, "reading the free space of the ledger's disk"));
  return free;
}

absl::Status Store::Resume() {
  if (!out_of_space()) return absl::OkStatus();
  if (resume_failed_) {
    // With RocksDB 7.8 a Resume after one that failed mid-flush was seen to
    // wait forever for that flush (docs/reliability.md): never risk it.
    return DiskFullError(dir_, absl::StrCat(
        "RocksDB could not resume after the disk filled (", resume_failure_,
        "); once there is room, reopen the ledger (restart the process)"));
  }
  rocksdb::Status s = db_->Resume();
  if (s.ok()) {
    space_->Clear();
    return absl::OkStatus();
  }
  resume_failed_ = true;
  resume_failure_ = s.ToString();
  return DiskFullError(dir_, absl::StrCat(
      "RocksDB could not resume after the disk filled (", resume_failure_,
      "); once there is room, reopen the ledger (restart the process)"));
}

uint64_t Store::MemtableBytes() const {
  uint64_t total = 0;
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    uint64_t bytes = 0;
    if (db_->GetIntProperty(h, rocksdb::DB::Properties::kCurSizeAllMemTables,
                            &bytes)) {
      total += bytes;
    }
  }
  return total;
}

}  // namespace ledger
