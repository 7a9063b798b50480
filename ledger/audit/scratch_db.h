// A RocksDB of an audit's own, in a fresh folder that is removed when it
// closes, on every path (the destructor removes it): where an audit puts
// the state that grows with the log once the state passes its memory
// budget (docs/audit.md, "Memory"). Nothing in it outlives the call, so it
// writes without a WAL and never syncs.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_SCRATCH_DB_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_SCRATCH_DB_H_

#include <cstddef>
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
#include "rocksdb/write_batch.h"

namespace ledger {

class ScratchDb {
 public:
  // Makes a new folder `ledger-audit-XXXXXX` under `parent` ("" means
  // $TMPDIR, else /tmp) and opens an empty database in it whose memtables
  // and block cache together hold about `memory_bytes`.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ScratchDb>> Create(
      const std::string& parent, size_t memory_bytes);
  // Closes the database and removes its folder.
  ~ScratchDb();
  ScratchDb(const ScratchDb&) = delete;
  ScratchDb& operator=(const ScratchDb&) = delete;

  // Safe from several threads at once, as RocksDB is.
  [[nodiscard]] absl::Status Write(rocksdb::WriteBatch& batch);
  // Writes `entries` (key, value), sorted by key first (`entries` is left
  // sorted): what a spill of many entries calls. In batches of at most
  // max_batch_bytes(): one batch goes whole into one memtable, however
  // large, so a spill of many entries at once grew the memtable (and the
  // batch beside it) past the memory the database was given.
  [[nodiscard]] absl::Status WriteSorted(
      std::vector<std::pair<std::string, std::string>>& entries);
  // A quarter of a memtable.
  size_t max_batch_bytes() const { return max_batch_bytes_; }
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

 private:
  ScratchDb() = default;
  std::string dir_;
  size_t max_batch_bytes_ = 0;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_SCRATCH_DB_H_
