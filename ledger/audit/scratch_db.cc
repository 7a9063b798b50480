#include "ledger/audit/scratch_db.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/store.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"

namespace ledger {
namespace {

std::string TempParent(const std::string& parent) {
  if (!parent.empty()) return parent;
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

}  // namespace

absl::StatusOr<std::unique_ptr<ScratchDb>> ScratchDb::Create(
    const std::string& parent, size_t memory_bytes, int sorted_runs) {
  LEDGER_CHECK(sorted_runs >= 2) << sorted_runs;
  std::string pattern = (std::filesystem::path(TempParent(parent)) /
                         "ledger-audit-XXXXXX")
                            .string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (mkdtemp(name.data()) == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot make an audit scratch folder under ", TempParent(parent)));
  }
  std::unique_ptr<ScratchDb> scratch(new ScratchDb());
  scratch->dir_ = name.data();  // removed by the destructor from here on

  // Half the memory for memtables (two of a quarter each), a quarter for
  // the block cache; at least 1 MiB each, as RocksDB needs some room.
  const size_t quarter = std::max<size_t>(memory_bytes / 4, size_t{1} << 20);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.write_buffer_size = quarter;
  scratch->max_batch_bytes_ = quarter / 4;
  scratch->min_table_bytes_ = quarter / 2;
  options.max_write_buffer_number = 2;
  options.compression = rocksdb::kNoCompression;  // CPU over disk: it is scratch
  options.max_open_files = 256;
  // Compacted, universally: the spills of a long history are many
  // memtables' worth, and a lookup asks every sorted run for its key.
  // Never compacted, the scratch database of a bounded liability report
  // at ten million events was on course for a thousand level-0 tables:
  // each lookup after a wrong "maybe" of the spill filter probed every
  // one, and past the table cache's open files reopened them: half the
  // report's CPU, and its rate a fifth of the one at a million events
  // (docs/benchmarks.md, "The audits at 10 million events: compacted
  // scratch, bounded filters"). Universal compaction merges runs of about
  // the same size, four or more at once, so each spilled byte is
  // rewritten a few times (leveled compaction rewrites the overlap of the
  // next level, up to ten times its input); the runs stay few,
  // logarithmic in the spills. Writes never stall on it: the audit's
  // folds, not the compaction, set the pace.
  // Up to twelve sorted runs (kSortedRuns; the caller may allow more when
  // its lookups are rare) before the compaction merges runs of unlike
  // sizes: the runs' sizes step by about four (a memtable, four, sixteen,
  // ...), and past four steps' worth of history (tens of MiB) a limit of
  // four runs made every new memtable's table merge at once with the
  // next run, however large ("reduce the number of sorted runs"): at ten
  // million events a bounded replay's scratch databases rewrote a 70 MiB
  // run about a hundred times, 7.4 GB written for 0.3 GB kept and 35% of
  // the replay's CPU. With twelve, 2 GB and an eighth of its CPU, and
  // the bounded liability report's CPU there fell by a quarter at the same
  // peak; a lookup probes a few more runs' filters, which costs less than
  // the rewriting did.
  options.compaction_style = rocksdb::kCompactionStyleUniversal;
  options.level0_file_num_compaction_trigger = sorted_runs;
  options.compaction_options_universal.min_merge_width = 4;
  options.level0_slowdown_writes_trigger = 1 << 30;
  options.level0_stop_writes_trigger = 1 << 30;
  options.soft_pending_compaction_bytes_limit = 0;
  options.hard_pending_compaction_bytes_limit = 0;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // Closing must not flush the memtables (RocksDB's default when the WAL is
  // off): the folder is removed right after, and that flush was a twentieth
  // of a bounded replay's time at a million events.
  options.avoid_flush_during_shutdown = true;
  // The lookups that find nothing (a new usage id the spill filter took
  // for a spilled one) are the common ones: bloom filters in the tables
  // and in the memtables answer them. Tables' filters and indexes are
  // partitioned and live in the block cache, under the memory given: held
  // whole beside each table (or pinned for every level-0 table, as
  // before) they grew with the history as the spilled entries did.
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(quarter);
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = false;
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.memtable_whole_key_filtering = true;
  options.memtable_prefix_bloom_size_ratio = 0.02;
  scratch->options_ = options;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, scratch->dir_, &db);
  if (!s.ok()) return FromRocks(s, "opening the audit scratch database");
  scratch->db_.reset(db);
  return scratch;
}

ScratchDb::~ScratchDb() {
  if (db_ != nullptr) {
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
  std::error_code ignored;  // nothing to tell a caller that already returned
  std::filesystem::remove_all(dir_, ignored);
}

absl::Status ScratchDb::WriteSorted(
    std::vector<std::pair<std::string, std::string>>& entries) {
  // A memtable is a skip list: an insert next to the one before reuses its
  // path down the list, a key anywhere else searches every level again, so
  // entries in key order cost a fraction of the same in hash order (the
  // inserts were a sixth of a bounded replay's time). A table file takes
  // its keys in order only.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t bytes = 0;
  for (const auto& [key, value] : entries) bytes += key.size() + value.size();
  ASSIGN_OR_RETURN(std::unique_ptr<SortedRun> run, NewSortedRun(bytes));
  for (size_t i = 0; i < entries.size(); ++i) {
    // Of the same key given twice, the last.
    if (i + 1 < entries.size() && entries[i + 1].first == entries[i].first) continue;
    RETURN_IF_ERROR(run->Add(entries[i].first, entries[i].second));
  }
  return run->Finish();
}

absl::StatusOr<std::unique_ptr<ScratchDb::SortedRun>> ScratchDb::NewSortedRun(
    size_t expected_bytes) {
  std::unique_ptr<SortedRun> run(new SortedRun(*this));
  if (expected_bytes < min_table_bytes_) return run;
  run->table_path_ = (std::filesystem::path(dir_) /
                      absl::StrCat("run-", next_table_.fetch_add(1), ".sst"))
                         .string();
  // The page cache keeps what was written: the lookups and the compaction
  // read it back soon.
  run->table_ = std::make_unique<rocksdb::SstFileWriter>(
      rocksdb::EnvOptions(options_), options_, db_->DefaultColumnFamily(),
      /*invalidate_page_cache=*/false);
  rocksdb::Status s = run->table_->Open(run->table_path_);
  if (!s.ok()) return FromRocks(s, "making an audit scratch table");
  return run;
}

ScratchDb::SortedRun::~SortedRun() {
  if (!table_path_.empty()) {
    std::error_code ignored;  // only a run abandoned on an error
    std::filesystem::remove(table_path_, ignored);
  }
}

absl::Status ScratchDb::SortedRun::Add(std::string_view key,
                                       std::string_view value) {
  ++entries_;
  const rocksdb::Slice k(key.data(), key.size());
  const rocksdb::Slice v(value.data(), value.size());
  if (table_ != nullptr) {
    return FromRocks(table_->Put(k, v), "writing an audit scratch table");
  }
  rocksdb::Status s = batch_.Put(k, v);
  if (!s.ok()) return FromRocks(s, "writing audit scratch");
  if (batch_.GetDataSize() >= db_.max_batch_bytes_) {
    RETURN_IF_ERROR(db_.Write(batch_));
    batch_.Clear();
  }
  return absl::OkStatus();
}

absl::Status ScratchDb::SortedRun::Finish() {
  if (table_ == nullptr) {
    if (batch_.Count() == 0) return absl::OkStatus();
    RETURN_IF_ERROR(db_.Write(batch_));
    batch_.Clear();
    return absl::OkStatus();
  }
  if (entries_ == 0) return absl::OkStatus();  // no table of nothing
  rocksdb::Status s = table_->Finish();
  if (!s.ok()) return FromRocks(s, "writing an audit scratch table");
  table_.reset();
  rocksdb::IngestExternalFileOptions options;
  options.move_files = true;  // a hard link: the file is the database's now
  // Its entries are newer than any before: a key in a memtable is flushed
  // first, then the table's sequence number is above it.
  options.allow_global_seqno = true;
  options.allow_blocking_flush = true;
  // Kept in the manifest only: no write into the file (the scratch
  // database is never opened by an older RocksDB, nor opened again).
  options.write_global_seqno = false;
  options.snapshot_consistency = false;  // no snapshots are taken
  s = db_.db_->IngestExternalFile({table_path_}, options);
  if (!s.ok()) return FromRocks(s, "adding an audit scratch table");
  // Moved: RocksDB linked the file into the database and removed the name
  // it was written under, so the destructor has nothing left to remove.
  table_path_.clear();
  db_.tables_ingested_.fetch_add(1);
  return absl::OkStatus();
}

absl::Status ScratchDb::Write(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions options;
  options.disableWAL = true;  // nothing in it outlives the audit
  return FromRocks(db_->Write(options, &batch), "writing audit scratch");
}

absl::StatusOr<std::optional<std::string>> ScratchDb::Get(
    std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(),
                               rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading audit scratch");
  return std::optional<std::string>(std::move(value));
}

std::unique_ptr<ScratchDb::Cursor> ScratchDb::NewCursor() const {
  rocksdb::ReadOptions options;
  options.fill_cache = false;  // a scan: keep the cache for the lookups
  return std::make_unique<Cursor>(
      std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(options)));
}

absl::Status ScratchDb::Cursor::ForEachIn(
    std::string_view from, std::string_view to,
    const std::function<absl::Status(std::string_view, std::string_view)>& fn) {
  // No iterate_upper_bound: the bound is the iterator's for its life, and
  // stepping onto the first key past `to` costs one Next.
  for (it_->Seek(rocksdb::Slice(from.data(), from.size())); it_->Valid();
       it_->Next()) {
    const std::string_view key(it_->key().data(), it_->key().size());
    if (!to.empty() && key >= to) break;
    RETURN_IF_ERROR(
        fn(key, std::string_view(it_->value().data(), it_->value().size())));
  }
  return FromRocks(it_->status(), "scanning audit scratch");
}

absl::Status ScratchDb::ForEachIn(
    std::string_view from, std::string_view to,
    const std::function<absl::Status(std::string_view, std::string_view)>& fn)
    const {
  rocksdb::ReadOptions options;
  const rocksdb::Slice upper(to.data(), to.size());
  if (!to.empty()) options.iterate_upper_bound = &upper;
  options.fill_cache = false;  // a scan: keep the cache for the lookups
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid();
       it->Next()) {
    absl::Status status = fn(std::string_view(it->key().data(), it->key().size()),
                             std::string_view(it->value().data(), it->value().size()));
    if (!status.ok()) return status;
  }
  return FromRocks(it->status(), "scanning audit scratch");
}

}  // namespace ledger
