// The RocksDB database behind a ledger: opening it (and refusing what is not
// a ledger), loading the stored projections, reading the log, and writing
// one batch. The layout of keys and values is storage_layout.h.
#ifndef CREDIT_LEDGER_LEDGER_STORAGE_STORE_H_
#define CREDIT_LEDGER_LEDGER_STORAGE_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/storage/disk_space.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/v1/event.pb.h"
#include "projections/ledger_state.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace ledger {

// rocksdb::Status -> absl::Status: Corruption becomes DataLoss, the rest
// keeps its meaning; `context` says what was being done.
absl::Status FromRocks(const rocksdb::Status& s, std::string_view context);

// RocksDB settings a test may change so that a small ledger sees RocksDB's
// background work (flushes, compactions) while it writes: the power-loss
// test cuts the power in the middle of them. Production uses the defaults.
struct StoreTuning {
  // Bytes of each family's memtable; 0 keeps RocksDB's default (64 MiB).
  size_t write_buffer_bytes = 0;
  // The most bytes of write-ahead log kept before RocksDB flushes the
  // families still holding its oldest file; 0 keeps kMaxTotalWalBytes.
  uint64_t max_total_wal_bytes = 0;
};

// The write-ahead log's bound (docs/storage.md, "The write-ahead log's
// size"). A WAL file is deleted only once every family has flushed what it
// holds, and some families (the head's, the refusal journal's, the pending
// refunds') take a few bytes a batch and would not fill a memtable for
// months: RocksDB's own bound, four times the families' memtables, let the
// WAL grow to about 3.5 GiB, replayed in full at the next open after a
// crash. Past this bound the families holding the oldest file are flushed.
inline constexpr uint64_t kMaxTotalWalBytes = 256ull << 20;

class Store {
 public:
  enum class Mode {
    kReadWrite,
    // Reads a snapshot taken at open, for a ledger no process has open
    // for writing (RocksDB leaves a read-only instance beside a running
    // writer undefined: use kSecondary there).
    kReadOnly,
    // A RocksDB secondary instance: never writes, works beside a running
    // writer, and CatchUp() brings in what the writer committed since.
    // Open it with OpenSecondary, which needs a scratch folder of its own.
    kSecondary,
  };

  // Opens the ledger in `dir`. In kReadWrite mode with `create_if_missing`,
  // a missing or empty folder becomes a new ledger. FailedPrecondition for a
  // folder that is not a ledger; DataLoss for a corrupt one. `env`, when not
  // null, replaces RocksDB's default Env (tests inject storage faults).
  // `block_cache_bytes` sizes the block cache shared by the families, which
  // also holds their index and bloom-filter blocks, so what RocksDB keeps in
  // memory does not grow with the log (docs/storage.md, "Memory").
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Store>> Open(
      const std::string& dir, Mode mode, bool create_if_missing,
      rocksdb::Env* env = nullptr,
      size_t block_cache_bytes = kDefaultBlockCacheBytes,
      const StoreTuning& tuning = StoreTuning());
  // Options::block_cache_bytes's default (ledger/options.h says why).
  static constexpr size_t kDefaultBlockCacheBytes = size_t{64} << 20;

  // Opens the ledger in `dir` as a kSecondary instance: it follows the
  // process that has `dir` open for writing, by CatchUp(). `scratch_dir`
  // (created when missing) holds the instance's own files, e.g. its info
  // log; the caller removes it after closing. NotFound when `dir` holds no
  // ledger; nothing in `dir` is ever written.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Store>> OpenSecondary(
      const std::string& dir, const std::string& scratch_dir);

  // Closes the store when Close was not called, dropping its status.
  ~Store();

  // Flushes the memtables of a writable store (everything is already durable
  // in the WAL: this only spares the next open from replaying it) and closes
  // the database, returning the first error. A failure loses nothing
  // acknowledged. Nothing but a second Close (which does nothing and returns
  // OK) may be called afterwards.
  [[nodiscard]] absl::Status Close();

  // kSecondary only: reads what the writing process has committed since
  // the last CatchUp (or the open). FailedPrecondition in other modes.
  [[nodiscard]] absl::Status CatchUp();

  // The head (last seq and its hash); seq 0 and 32 zero bytes when empty.
  [[nodiscard]] absl::StatusOr<v1::HeadRecord> ReadHead() const;

  // Rebuilds `state` from the stored projections.
  [[nodiscard]] absl::Status LoadState(LedgerState& state) const;

  // Every idempotency key with its record, in key order.
  [[nodiscard]] absl::Status ForEachKey(
      const std::function<absl::Status(std::string_view key,
                                       const v1::KeyRecord&)>& fn) const;

  // Every idempotency key with its record's stored bytes, in key order:
  // for replay, which compares bytes (an extra byte or an unknown field
  // would parse and compare equal).
  [[nodiscard]] absl::Status ForEachKeyBytes(
      const std::function<absl::Status(std::string_view key,
                                       std::string_view value)>& fn) const;

  // Every entry of the meta family (format marker, head), in key order.
  [[nodiscard]] absl::Status ForEachMetaEntry(
      const std::function<absl::Status(std::string_view key,
                                       std::string_view value)>& fn) const;

  // Every stored projection (key, value) from key `from` on, in key order.
  [[nodiscard]] absl::Status ForEachStateEntry(
      const std::function<absl::Status(std::string_view key,
                                       std::string_view value)>& fn,
      std::string_view from = {}) const;

  // Every stored projection with `from` <= key < `to`, in key order, read
  // through the block cache: the writer's reads of one customer or of the
  // policy versions.
  [[nodiscard]] absl::Status ForEachStateEntryIn(
      std::string_view from, std::string_view to,
      const std::function<absl::Status(std::string_view key,
                                       std::string_view value)>& fn) const;

  // The stored projection under `key`; nullopt when there is none.
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> ReadStateEntry(
      std::string_view key) const;

  // The stored projections under `keys`, in their order (nullopt for one
  // there is none under): one MultiGet, which RocksDB answers level by
  // level for all keys at once (loading a customer the header names,
  // customer_state_read.h).
  [[nodiscard]] absl::StatusOr<std::vector<std::optional<std::string>>>
  ReadStateEntries(const std::vector<std::string>& keys) const;

  // Every event (key, value) in log order, from `from_seq` on.
  [[nodiscard]] absl::Status ForEachEvent(
      uint64_t from_seq,
      const std::function<absl::Status(std::string_view key,
                                       std::string_view value)>& fn) const;

  // The stored value (hash || event bytes) of event `seq`; nullopt when
  // there is none.
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> ReadEventValue(
      uint64_t seq) const;


  // The stored hash of the event before `seq` (32 zero bytes for seq 1):
  // what the event at `seq` chains onto, and its header's prev_hash, which
  // its stored bytes leave out (DecodeStoredEvent). DataLoss when that
  // event is missing.
  [[nodiscard]] absl::StatusOr<std::string> HashBefore(uint64_t seq) const;

  // The idempotency record of `key`, NotFound when there is none.
  [[nodiscard]] absl::StatusOr<v1::KeyRecord> ReadKey(
      std::string_view key) const;

  // The idempotency record of `key`; nullopt when there is none (the usual
  // answer: the keys family's bloom filter spares most of the disk reads).
  [[nodiscard]] absl::StatusOr<std::optional<v1::KeyRecord>> FindKey(
      std::string_view key) const;

  // How the store reads: kReadOnly asked for beside a live writer becomes
  // kSecondary (OpenReader in store.cc).
  Mode mode() const { return mode_; }

  // Column families for building a batch.
  rocksdb::ColumnFamilyHandle* meta() const { return handles_[0]; }
  rocksdb::ColumnFamilyHandle* events() const { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* keys() const { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* state() const { return handles_[3]; }
  // The refusal journal's family; null in a reader of a ledger no build
  // with the journal has opened for writing yet (storage_layout.h).
  rocksdb::ColumnFamilyHandle* rejections() const { return rejections_; }
  // The pending-refund queue's family; null in a reader of a ledger no
  // build with the queue has opened for writing yet (storage_layout.h).
  rocksdb::ColumnFamilyHandle* pending_refunds() const {
    return pending_refunds_;
  }

  // A consistent view of the store for a read of many keys (a page of
  // customers or of the pending-refund queue): released when the last
  // copy goes, which must be before Close. In store_snapshot.cc.
  std::shared_ptr<const rocksdb::Snapshot> TakeSnapshot() const;
  // Every (key, value) of `family` with `from` <= key (< `to` when `to` is
  // not empty), in key order, as `snapshot` (null: now) sees it, until
  // `fn` returns false or an error. One iterator: a page costs its own
  // entries, not the family's.
  [[nodiscard]] absl::Status ScanFamily(
      rocksdb::ColumnFamilyHandle* family, const rocksdb::Snapshot* snapshot,
      std::string_view from, std::string_view to,
      const std::function<absl::StatusOr<bool>(std::string_view key,
                                               std::string_view value)>& fn)
      const;

  // The value under `key` in `family` as `snapshot` (null: now) sees it;
  // nullopt when there is none. One point lookup, where a ScanFamily over
  // [key, key + "\0") would open an iterator on every level.
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> GetFromFamily(
      rocksdb::ColumnFamilyHandle* family, const rocksdb::Snapshot* snapshot,
      std::string_view key) const;

  // The customer index's family (storage_layout.h); null in a reader of a
  // ledger no build with the index has opened for writing yet.
  rocksdb::ColumnFamilyHandle* customer_events() const {
    return customer_events_;
  }

  // How far the customer index reaches; {false, 0} when it has no status
  // yet (or no family). DataLoss for a malformed status. Defined in
  // customer_index.cc, as are the two below.
  [[nodiscard]] absl::StatusOr<CustomerIndexStatus> ReadCustomerIndexStatus()
      const;

  // What ForEachCustomerEvent does with an index entry.
  enum class CustomerEventStep { kRead, kSkip, kStop };
  // Walks `customer`'s events from `from_seq` on, in seq order, from one
  // snapshot: `step` is asked with each one's seq and `at`, and for kRead
  // `fn` gets the whole event (derived header refilled) with its stored
  // hash and bytes, in the same order but read in batches: `step` may be
  // asked of later entries before `fn` has the earlier ones. Through the index when it is complete, else by a scan
  // of the log (a ledger no writer has opened since the index came).
  // DataLoss for an index entry with no matching event.
  [[nodiscard]] absl::Status ForEachCustomerEvent(
      std::string_view customer, uint64_t from_seq,
      const std::function<absl::StatusOr<CustomerEventStep>(uint64_t seq,
                                                            int64_t at_us)>&
          step,
      const std::function<absl::Status(const v1::Event& event,
                                       std::string_view hash,
                                       std::string_view bytes)>& fn) const;

  // Every entry of the customer index family (the status too), in key
  // order; nothing when there is no family.
  [[nodiscard]] absl::Status ForEachCustomerIndexEntry(
      const std::function<absl::Status(std::string_view key,
                                       std::string_view value)>& fn) const;

  // Whether the customer index has an entry (customer, seq).
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> ReadCustomerIndexEntry(
      std::string_view customer, uint64_t seq) const;

  // Every entry of the refusal journal's family (the refusals in key
  // order, i.e. recording order, then the per-customer index:
  // storage_layout.h), from key `from` on. Nothing when the ledger has no
  // journal.
  [[nodiscard]] absl::Status ForEachRejection(
      const std::function<absl::Status(std::string_view key,
                                       std::string_view value)>& fn,
      std::string_view from = {}) const;

  // The key of the last refusal; nullopt when there is none.
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> LastRejectionKey() const;

  // Writes `batch` atomically; with `sync` the WAL is synced first.
  // FailedPrecondition unless the store was opened kReadWrite. While the
  // store is out of space (out_of_space()), the disk-full Unavailable
  // (DiskFullError) without calling into RocksDB: after a failed write
  // RocksDB's write path must not be entered again before Resume (with
  // Debian's assertions on, a write or sync after a failed one aborts). A
  // write that fails for want of space marks the store out of space and
  // returns the same status; nothing of `batch` is then visible.
  [[nodiscard]] absl::Status Write(rocksdb::WriteBatch& batch, bool sync);

  // Whether RocksDB reported the disk full (a WAL write, a flush, a
  // compaction, a MANIFEST write) and the store was not resumed since.
  // Reads keep working meanwhile.
  bool out_of_space() const { return space_ != nullptr && space_->out_of_space(); }
  // RocksDB's message of the no-space error; empty when not out of space.
  std::string out_of_space_cause() const {
    return space_ != nullptr ? space_->what() : std::string();
  }
  // Resumes an out-of-space store (DB::Resume: it flushes the memtables to
  // new table files and starts a new WAL, then takes writes again). Call it
  // only once there is room for that flush (MemtableBytes): a Resume that
  // fails mid-flush can leave the next one waiting forever
  // (docs/reliability.md), so after a failed one this store never resumes
  // again and every later call answers the disk-full Unavailable, saying
  // to reopen the ledger. OK and nothing done when not out of space.
  // Not thread-safe: one caller at a time (the write path's space lock).
  [[nodiscard]] absl::Status Resume();
  // Bytes the memtables of every family hold: about what Resume's flush
  // writes (less: table files are compressed).
  uint64_t MemtableBytes() const;
  // Free bytes on the store's disk (FreeDiskBytes). When the store was
  // opened on a caller's Env (tests), that Env's GetFreeSpace answers, so
  // an injected full disk (tests/reliability/fault_fs.h) looks full here
  // too.
  [[nodiscard]] absl::StatusOr<uint64_t> FreeBytes() const;
  // The folder the store was opened on.
  const std::string& dir() const { return dir_; }

  // kReadWrite only: writes RocksDB's checkpoint of the database into
  // `dir`, an absolute path that must not exist (its memtables flushed
  // first; table files hard-linked on the same file system, copied
  // across). Beside concurrent writes: the copy holds a prefix of the
  // WriteBatches, each whole. The disk-full Unavailable while out of space
  // (the flush would enter the write path). Defined in backup.cc, whose
  // CopyStore makes a checkpoint a backup.
  [[nodiscard]] absl::Status Checkpoint(const std::string& dir);

 private:
  Store() = default;
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Store>> OpenIn(
      const std::string& dir, Mode mode, bool create_if_missing,
      rocksdb::Env* env, const std::string& scratch_dir,
      size_t block_cache_bytes, const StoreTuning& tuning = StoreTuning());

  // kReadOnly, once Open has decided how to read (see OpenReader).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Store>> OpenReader(
      const std::string& dir, rocksdb::Env* env, size_t block_cache_bytes);

  Mode mode_ = Mode::kReadOnly;
  bool read_only_ = true;
  std::string dir_;
  rocksdb::Env* env_ = nullptr;  // the caller's Env, or null (the default)
  // kReadWrite only: learns of RocksDB's no-space errors.
  std::shared_ptr<OutOfSpaceListener> space_;
  // Set by a Resume that failed, with RocksDB's message (see Resume).
  bool resume_failed_ = false;
  std::string resume_failure_;
  // A secondary instance's scratch folder that this store made (and removes
  // when it closes); empty otherwise.
  std::string owned_scratch_;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  // Optional families, by name (null when not open): a reader of a ledger
  // made before them finds none.
  rocksdb::ColumnFamilyHandle* rejections_ = nullptr;
  rocksdb::ColumnFamilyHandle* pending_refunds_ = nullptr;
  rocksdb::ColumnFamilyHandle* customer_events_ = nullptr;
};

// Decodes the events of a scan of the log in order, from any seq, with
// their derived header fields refilled (DecodeStoredEvent): it keeps the
// stored hash each event chains onto, reading the one before the first
// event (and after a gap) with HashBefore.
class StoredEventDecoder {
 public:
  explicit StoredEventDecoder(const Store& store) : store_(store) {}
  [[nodiscard]] absl::StatusOr<v1::Event> Next(std::string_view key,
                                               std::string_view value);

 private:
  const Store& store_;
  uint64_t last_seq_ = 0;  // 0 before the first event
  std::string last_hash_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_STORAGE_STORE_H_
