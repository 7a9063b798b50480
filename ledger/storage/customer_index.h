// The customer index (docs/storage.md, "The customer index"): each
// customer's events by seq, so that one customer's history and its past
// balance cost that customer's events, not the log's. Its layout is
// storage_layout.h's; this is what reads and builds it.
#ifndef CREDIT_LEDGER_LEDGER_STORAGE_CUSTOMER_INDEX_H_
#define CREDIT_LEDGER_LEDGER_STORAGE_CUSTOMER_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/balance.h"
#include "ledger/ledger.h"
#include "ledger/storage/store.h"

namespace ledger {

// The two fields of a stored event the index is made of: its command's
// customer (empty for set_policy) and its header's at_us.
struct IndexedFields {
  std::string customer;
  int64_t at_us = 0;
};

// Reads IndexedFields from an event's stored bytes (without the hash) by
// walking the wire format, without parsing the whole event: replay and the
// index's building read every event for it. DataLoss when the bytes are
// not a well-formed message.
[[nodiscard]] absl::StatusOr<IndexedFields> SkimStoredEvent(
    std::string_view bytes);

// Brings the index of a writable store up to the head: a ledger written
// before the index (or whose building a crash cut short) gets the entries
// of its events, kCustomerIndexBuildBatch events to a batch, each batch
// recording how far it got, then the status `complete`, synced. Nothing
// to do when complete. Run by the writer's open, before any command.
[[nodiscard]] absl::Status BuildCustomerIndex(Store& store);
inline constexpr uint64_t kCustomerIndexBuildBatch = 4096;

// The events a read through the index (Store::ForEachCustomerEvent) looks
// up at once: enough to spread a lookup's fixed cost, few enough that a
// page of a few events reads no more than it returns.
inline constexpr size_t kCustomerReadBatch = 64;

// InvalidArgument unless 1 <= limit <= kMaxCustomerEventPage.
[[nodiscard]] absl::Status CheckCustomerPageLimit(size_t limit);

// Ledger::ReadCustomerEvents over `store`.
[[nodiscard]] absl::StatusOr<CustomerEventPage> ReadCustomerEventPage(
    const Store& store, const std::string& customer, uint64_t from_seq,
    size_t limit);

// Ledger::GetBalanceAsOf over `store`: the policy versions as stored, and
// the customer's events with at_us <= as_of_us folded.
[[nodiscard]] absl::StatusOr<Balance> CustomerBalanceAsOf(
    const Store& store, const std::string& customer, int64_t as_of_us);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_STORAGE_CUSTOMER_INDEX_H_
