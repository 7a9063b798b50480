#include "ledger/storage/sorted_batch.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ledger {
namespace {

struct Entry {
  uint32_t family;
  bool is_delete;
  rocksdb::Slice key;
  rocksdb::Slice value;
};

// Collects puts and deletes; anything else marks the batch as not sortable.
class Collector : public rocksdb::WriteBatch::Handler {
 public:
  explicit Collector(std::vector<Entry>* entries) : entries_(entries) {}

  rocksdb::Status PutCF(uint32_t family, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    entries_->push_back(Entry{family, false, key, value});
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t family, const rocksdb::Slice& key) override {
    entries_->push_back(Entry{family, true, key, rocksdb::Slice()});
    return rocksdb::Status::OK();
  }
  // Every other record: the default handlers would accept some of them
  // silently (log data), so each one stops the collection here.
  rocksdb::Status SingleDeleteCF(uint32_t, const rocksdb::Slice&) override {
    return Unsorted();
  }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&,
                                const rocksdb::Slice&) override {
    return Unsorted();
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&,
                          const rocksdb::Slice&) override {
    return Unsorted();
  }
  rocksdb::Status PutEntityCF(uint32_t, const rocksdb::Slice&,
                              const rocksdb::Slice&) override {
    return Unsorted();
  }
  rocksdb::Status PutBlobIndexCF(uint32_t, const rocksdb::Slice&,
                                 const rocksdb::Slice&) override {
    return Unsorted();
  }
  void LogData(const rocksdb::Slice&) override { unsorted_ = true; }
  rocksdb::Status MarkBeginPrepare(bool) override { return Unsorted(); }
  rocksdb::Status MarkEndPrepare(const rocksdb::Slice&) override {
    return Unsorted();
  }
  rocksdb::Status MarkNoop(bool) override { return Unsorted(); }
  rocksdb::Status MarkRollback(const rocksdb::Slice&) override {
    return Unsorted();
  }
  rocksdb::Status MarkCommit(const rocksdb::Slice&) override {
    return Unsorted();
  }
  rocksdb::Status MarkCommitWithTimestamp(const rocksdb::Slice&,
                                          const rocksdb::Slice&) override {
    return Unsorted();
  }
  bool Continue() override { return !unsorted_; }

  bool unsorted() const { return unsorted_; }

 private:
  rocksdb::Status Unsorted() {
    unsorted_ = true;
    return rocksdb::Status::NotSupported("not sorted");
  }

  std::vector<Entry>* entries_;
  bool unsorted_ = false;
};

}  // namespace

std::optional<rocksdb::WriteBatch> SortedForMemtable(
    const rocksdb::WriteBatch& batch,
    std::span<rocksdb::ColumnFamilyHandle* const> families,
    size_t min_entries) {
  const size_t count = batch.Count();
  if (count < min_entries || batch.HasMerge() || batch.HasDeleteRange() ||
      batch.HasSingleDelete()) {
    return std::nullopt;
  }
  std::vector<Entry> entries;
  entries.reserve(count);
  Collector collector(&entries);
  rocksdb::Status read = batch.Iterate(&collector);
  if (!read.ok() || collector.unsorted() || entries.size() != count) {
    return std::nullopt;
  }
  // The handles by family id; a family the caller did not name leaves the
  // batch as it is.
  uint32_t max_id = 0;
  for (rocksdb::ColumnFamilyHandle* f : families) max_id = std::max(max_id, f->GetID());
  std::vector<rocksdb::ColumnFamilyHandle*> by_id(max_id + 1, nullptr);
  for (rocksdb::ColumnFamilyHandle* f : families) by_id[f->GetID()] = f;
  for (const Entry& e : entries) {
    if (e.family > max_id || by_id[e.family] == nullptr) return std::nullopt;
  }
  // Stable: two writes of one key keep their order, so the later one wins
  // as it did in `batch`.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) {
                     if (a.family != b.family) return a.family < b.family;
                     return a.key.compare(b.key) < 0;
                   });
  rocksdb::WriteBatch sorted(batch.GetDataSize());
  for (const Entry& e : entries) {
    rocksdb::Status s = e.is_delete ? sorted.Delete(by_id[e.family], e.key)
                                    : sorted.Put(by_id[e.family], e.key, e.value);
    if (!s.ok()) return std::nullopt;
  }
  return sorted;
}

}  // namespace ledger
