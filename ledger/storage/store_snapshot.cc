// Store's reads through one snapshot (store.h): a page of customers or of
// the pending-refund queue is what one committed group left, never half of
// two, however many keys it reads.
#include <memory>
#include <optional>
#include <string>

#include "ledger/base/status_macros.h"
#include "ledger/storage/store.h"

namespace ledger {

std::shared_ptr<const rocksdb::Snapshot> Store::TakeSnapshot() const {
  rocksdb::DB* db = db_;
  return std::shared_ptr<const rocksdb::Snapshot>(
      db->GetSnapshot(),
      [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
}

absl::Status Store::ScanFamily(
    rocksdb::ColumnFamilyHandle* family, const rocksdb::Snapshot* snapshot,
    std::string_view from, std::string_view to,
    const std::function<absl::StatusOr<bool>(std::string_view,
                                             std::string_view)>& fn) const {
  rocksdb::ReadOptions read;
  read.verify_checksums = true;
  read.snapshot = snapshot;
  const rocksdb::Slice upper(to.data(), to.size());
  if (!to.empty()) read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, family));
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid();
       it->Next()) {
    ASSIGN_OR_RETURN(
        const bool more,
        fn(std::string_view(it->key().data(), it->key().size()),
           std::string_view(it->value().data(), it->value().size())));
    if (!more) return absl::OkStatus();
  }
  return FromRocks(it->status(), "reading the ledger");
}

absl::StatusOr<std::optional<std::string>> Store::GetFromFamily(
    rocksdb::ColumnFamilyHandle* family, const rocksdb::Snapshot* snapshot,
    std::string_view key) const {
  rocksdb::ReadOptions read;
  read.verify_checksums = true;
  read.snapshot = snapshot;
  std::string value;
  rocksdb::Status s =
      db_->Get(read, family, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  RETURN_IF_ERROR(FromRocks(s, "reading the ledger"));
  return std::optional<std::string>(std::move(value));
}

}  // namespace ledger
