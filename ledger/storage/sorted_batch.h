#ifndef LEDGER_STORAGE_SORTED_BATCH_H_
#define LEDGER_STORAGE_SORTED_BATCH_H_

#include <optional>
#include <span>

#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace ledger {

// The same writes as `batch`, ordered by column family and then by key,
// entries of one key keeping their order, for RocksDB's memtable inserts:
// a group's puts land at random places in each family's skip list, and
// inserting them in key order walks the same upper levels again while they
// are still in the CPU's caches (docs/storage.md, "The group's writes in
// key order").
//
// What the store holds after the write is the same as after `batch`: a
// later put or delete of a key still comes after an earlier one of the same
// key, and the batch is applied atomically either way. `families` are the
// handles the batch may name (any order); every family must use RocksDB's
// bytewise comparator, so that keys that compare equal are the same bytes.
//
// Returns nullopt, and the caller writes `batch` as it is, when the batch
// holds anything but puts and deletes (merges, range deletes, log data,
// transactions' markers), names a family not in `families`, or has fewer
// than `min_entries` entries (too few to be worth the copy).
std::optional<rocksdb::WriteBatch> SortedForMemtable(
    const rocksdb::WriteBatch& batch,
    std::span<rocksdb::ColumnFamilyHandle* const> families,
    size_t min_entries);

}  // namespace ledger

#endif  // LEDGER_STORAGE_SORTED_BATCH_H_
