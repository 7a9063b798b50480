// The pending-refund queue's keys and values (storage_layout.h,
// docs/storage.md "The pending-refund queue"): the writer, the build of the
// queue for a ledger made before it, and replay's check all encode through
// these functions, so replay compares what it rebuilds byte for byte.
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "ledger/storage/storage_layout.h"

namespace ledger {
namespace {

constexpr size_t kTimeBytes = 8;

}  // namespace

std::string PendingRefundKey(int64_t requested_at_us, std::string_view customer,
                             std::string_view refund_id) {
  // Times are never negative (kMinTimeUs is 0): big-endian bytes sort as
  // the times do, so the queue reads oldest first.
  std::string key = EventKey(static_cast<uint64_t>(requested_at_us));
  key.reserve(kTimeBytes + customer.size() + 1 + refund_id.size());
  key.append(customer);
  key.push_back('\0');
  key.append(refund_id);
  return key;
}

absl::StatusOr<PendingRefundKeyParts> DecodePendingRefundKey(
    std::string_view key) {
  const size_t sep = key.size() > kTimeBytes ? key.find('\0', kTimeBytes)
                                             : std::string_view::npos;
  if (sep == std::string_view::npos || sep == kTimeBytes ||
      sep + 1 >= key.size()) {
    return absl::DataLossError(absl::StrCat(
        "pending-refund entry of ", key.size(),
        " bytes is not <time><customer>\\0<refund id>"));
  }
  uint64_t at = 0;
  for (size_t i = 0; i < kTimeBytes; ++i) {
    at = (at << 8) | static_cast<unsigned char>(key[i]);
  }
  PendingRefundKeyParts parts;
  parts.requested_at_us = static_cast<int64_t>(at);
  parts.customer = std::string(key.substr(kTimeBytes, sep - kTimeBytes));
  parts.refund_id = std::string(key.substr(sep + 1));
  if (parts.requested_at_us < 0) {
    return absl::DataLossError("pending-refund entry with a negative time");
  }
  return parts;
}

void EncodePendingRefundChanges(const CustomerState& customer,
                                const TouchedEntities& touched,
                                const EmitFn& put,
                                const std::function<void(std::string)>& erase) {
  for (const std::string& id : touched.refunds) {
    const v1::RefundState* refund = customer.FindRefund(id);
    if (refund == nullptr) continue;  // the fold names only refunds it holds
    std::string key = PendingRefundKey(refund->requested_at_us(),
                                       customer.header.customer(), id);
    if (refund->status() == v1::REFUND_PENDING) {
      put(std::move(key), refund->lot_id());
    } else {
      // Every way out of PENDING (approve, deny, the denials of suspend,
      // terminate and chargeback) folds the refund, so it is named here.
      erase(std::move(key));
    }
  }
}

void EncodePendingRefunds(const CustomerState& customer, const EmitFn& emit) {
  for (const auto& [id, refund] : customer.refunds) {
    if (refund.status() != v1::REFUND_PENDING) continue;
    emit(PendingRefundKey(refund.requested_at_us(), customer.header.customer(),
                          id),
         refund.lot_id());
  }
}

}  // namespace ledger
