// The pending-refund queue of a ledger made before the queue existed
// (docs/storage.md, "The pending-refund queue"): built once, at the first
// writable open, from the refunds the state family stores. The writer keeps
// it from then on in each group's batch (Append), so this runs once per
// ledger; the marker written with the entries makes a build cut short by a
// crash start over, never leave half a queue that looks whole.
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/write_path/ledger_impl.h"
#include "projections/ledger_state.h"

namespace ledger {

absl::Status LedgerImpl::BuildPendingRefundQueue() {
  rocksdb::ColumnFamilyHandle* queue = store_->pending_refunds();
  bool built = false;
  RETURN_IF_ERROR(store_->ScanFamily(
      queue, nullptr, kPendingRefundsBuiltKey, "",
      [&](std::string_view key, std::string_view) -> absl::StatusOr<bool> {
        built = key == kPendingRefundsBuiltKey;
        return false;
      }));
  if (built) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  // Entries of an earlier build cut short are rewritten, never trusted.
  RETURN_IF_ERROR(store_->ScanFamily(
      queue, nullptr, "", "",
      [&](std::string_view key, std::string_view) -> absl::StatusOr<bool> {
        batch.Delete(queue, rocksdb::Slice(key.data(), key.size()));
        return true;
      }));
  // Every refund, pending or not, is a state entry <customer>\0R<id>; one
  // pass over the state family, decoding only the refunds. Only their
  // status, lot and request time are needed, so no customer is held whole.
  size_t entries = 0;
  // The type byte of a refund's state key ("\0R"), after the customer.
  const char refund_type = RefundKey("", "")[1];
  RETURN_IF_ERROR(store_->ScanFamily(
      store_->state(), nullptr, kPoliciesEnd, "",
      [&](std::string_view key, std::string_view value) -> absl::StatusOr<bool> {
        const size_t sep = key.find('\0');
        if (sep == std::string_view::npos || sep + 1 >= key.size() ||
            key[sep + 1] != refund_type) {
          return true;
        }
        CustomerState customer;
        customer.header.set_customer(std::string(key.substr(0, sep)));
        const std::string id(key.substr(sep + 2));
        RETURN_IF_ERROR(DecodeStoredEntity(id, value, customer.refunds[id]));
        EncodePendingRefunds(customer, [&](std::string k, std::string v) {
          batch.Put(queue, k, v);
          ++entries;
        });
        return true;
      }));
  batch.Put(queue, rocksdb::Slice(kPendingRefundsBuiltKey.data(),
                                  kPendingRefundsBuiltKey.size()),
            "");
  absl::Status written = store_->Write(batch, /*sync=*/true);
  if (!written.ok()) {
    return absl::Status(written.code(),
                        absl::StrCat("building the pending-refund queue (",
                                     entries, " refunds): ", written.message()));
  }
  return absl::OkStatus();
}

}  // namespace ledger
