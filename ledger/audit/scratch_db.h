// A RocksDB of an audit's own, in a fresh folder that is removed when it
// closes, on every path (the destructor removes it): where an audit puts
// the state that grows with the log once the state passes its memory
// budget (docs/audit.md, "Memory"). Nothing in it outlives the call, so it
// writes without a WAL and never syncs.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_SCRATCH_DB_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_SCRATCH_DB_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_writer.h"
#include "rocksdb/write_batch.h"

namespace ledger {

class ScratchDb {
 public:
  // How many sorted runs the database lets be before its compaction merges
  // runs of unlike sizes (scratch_db.cc says why twelve). A run is probed
  // by every lookup that gets past an audit's filter: an audit whose
  // filters answer nearly every absent key (they hold their expected
  // entries at their full bits an entry) looks up seldom, and at a replay
  // of ten million events with the default budget twelve runs rewrote
  // each flushed byte 2.8 times for lookups that hardly come, where
  // kSortedRunsWhenLookupsAreRare never compacted at all.
  static constexpr int kSortedRuns = 12;
  static constexpr int kSortedRunsWhenLookupsAreRare = 48;

  // Makes a new folder `ledger-audit-XXXXXX` under `parent` ("" means
  // $TMPDIR, else /tmp) and opens an empty database in it whose memtables
  // and block cache together hold about `memory_bytes`, letting
  // `sorted_runs` (>= 2) sorted runs be before it merges runs of unlike
  // sizes.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ScratchDb>> Create(
      const std::string& parent, size_t memory_bytes,
      int sorted_runs = kSortedRuns);
  // Closes the database and removes its folder.
  ~ScratchDb();
  ScratchDb(const ScratchDb&) = delete;
  ScratchDb& operator=(const ScratchDb&) = delete;

  // Safe from several threads at once, as RocksDB is.
  [[nodiscard]] absl::Status Write(rocksdb::WriteBatch& batch);
  // Writes `entries` (key, value), sorted by key first (`entries` is left
  // sorted; of entries with the same key, the last given wins): what a
  // spill of many entries calls. As one SortedRun of their size.
  [[nodiscard]] absl::Status WriteSorted(
      std::vector<std::pair<std::string, std::string>>& entries);

  // Entries given in strictly increasing key order, written as one sorted
  // run; seen by Get and new cursors once Finish returned, each newer than
  // everything written before (a key written again, by either path, has
  // its last value). A run of at least min_table_bytes() is written as a
  // table file of its own and added to the database whole (ingested):
  // no memtable inserts, no flush, and the compaction reads it as one run.
  // A smaller one goes through the memtable, in batches of at most
  // max_batch_bytes(): one batch goes whole into one memtable, however
  // large, so a spill of many entries at once grew the memtable (and the
  // batch beside it) past the memory the database was given; and a table
  // of its own for each small spill would leave many small runs for the
  // compaction to merge and a lookup to probe. One thread at a time.
  class SortedRun {
   public:
    ~SortedRun();
    SortedRun(const SortedRun&) = delete;
    SortedRun& operator=(const SortedRun&) = delete;
    [[nodiscard]] absl::Status Add(std::string_view key, std::string_view value);
    [[nodiscard]] absl::Status Finish();

   private:
    friend class ScratchDb;
    explicit SortedRun(ScratchDb& db) : db_(db) {}
    ScratchDb& db_;
    // The memtable path.
    rocksdb::WriteBatch batch_;
    // The table path: the file being written, removed unless ingested.
    std::unique_ptr<rocksdb::SstFileWriter> table_;
    std::string table_path_;
    uint64_t entries_ = 0;
  };
  // `expected_bytes` (keys and values) chooses the path.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<SortedRun>> NewSortedRun(
      size_t expected_bytes);

  // A quarter of a memtable.
  size_t max_batch_bytes() const { return max_batch_bytes_; }
  // Half a memtable: a run this large would fill a good part of one.
  size_t min_table_bytes() const { return min_table_bytes_; }
  // Table files made by sorted runs and ingested so far.
  uint64_t tables_ingested() const { return tables_ingested_.load(); }
  [[nodiscard]] absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const;
  // Every entry with from <= key < to (no upper bound when `to` is empty),
  // in key order; `fn` may stop the scan with a non-OK status, which is
  // returned.
  [[nodiscard]] absl::Status ForEachIn(
      std::string_view from, std::string_view to,
      const std::function<absl::Status(std::string_view key,
                                       std::string_view value)>& fn) const;
  // One iterator of the database, for reading range after range in key
  // order: each ForEachIn seeks the same iterator forward, which reuses
  // the data block it stands on in every table file, where a new iterator
  // for each range opened and read a block of every level-0 file again
  // (replay's comparison reads one customer's spilled usages after
  // another). One thread at a time.
  class Cursor {
   public:
    explicit Cursor(std::unique_ptr<rocksdb::Iterator> it) : it_(std::move(it)) {}
    // As ScratchDb::ForEachIn.
    [[nodiscard]] absl::Status ForEachIn(
        std::string_view from, std::string_view to,
        const std::function<absl::Status(std::string_view key,
                                         std::string_view value)>& fn);

   private:
    std::unique_ptr<rocksdb::Iterator> it_;
  };
  // Sees the entries written before it is made.
  std::unique_ptr<Cursor> NewCursor() const;

  const std::string& dir() const { return dir_; }
  // As given to Create.
  int sorted_runs() const { return options_.level0_file_num_compaction_trigger; }

 private:
  ScratchDb() = default;
  std::string dir_;
  rocksdb::Options options_;  // what SortedRun's tables are built with
  size_t max_batch_bytes_ = 0;
  size_t min_table_bytes_ = 0;
  std::atomic<uint64_t> next_table_{0};
  std::atomic<uint64_t> tables_ingested_{0};
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_SCRATCH_DB_H_
