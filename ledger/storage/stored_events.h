// Read-only access to the log as it is stored: each event with its exact
// bytes and chained hash. Export and import need the bytes themselves (the
// hash covers them, and protobuf's encoding is not canonical, so a
// re-encoding of the parsed event might not hash the same); the public
// Ledger::ReadEvents gives only the parsed event.
//
// The ledger is opened for reading only (Store::Open in kReadOnly, see
// store.h): on a closed ledger it holds the LOCK while opening read-only;
// beside a live writer it reads through a RocksDB secondary instance. Either
// way the reader never disturbs a writer and sees the log as it was when
// opened.
#ifndef CREDIT_LEDGER_LEDGER_STORAGE_STORED_EVENTS_H_
#define CREDIT_LEDGER_LEDGER_STORAGE_STORED_EVENTS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/v1/event.pb.h"

namespace ledger {

class Store;  // store.h

// One event of the log. The views are valid only during the callback.
struct StoredEvent {
  uint64_t seq = 0;
  std::string_view hash;   // SHA-256(prev_hash || bytes), kHashBytes long
  std::string_view bytes;  // the serialized v1::Event exactly as stored
  // `bytes` parsed, with the header fields they leave out refilled
  // (DecodeStoredEvent, storage_layout.h)
  const v1::Event* event = nullptr;
};

struct StoredHead {
  uint64_t seq = 0;   // 0 for a ledger without events
  std::string hash;   // kHashBytes; zeros for a ledger without events
};

// Calls `fn` for each event with seq >= from_seq in log order, until `fn`
// returns a non-OK status (returned as is) or the log ends. NotFound when
// `dir` is missing or empty, FailedPrecondition when it is not a ledger,
// DataLoss when a stored event does not parse or its key and header
// disagree.
[[nodiscard]] absl::Status ReadStoredEvents(
    const std::string& dir, uint64_t from_seq,
    const std::function<absl::Status(const StoredEvent&)>& fn);

// The head of the ledger in `dir`; errors as ReadStoredEvents.
[[nodiscard]] absl::StatusOr<StoredHead> ReadStoredHead(const std::string& dir);

// The ledger in `dir` opened for reading only, as the readers above open it
// (it must exist; errors as ReadStoredEvents), for a caller that reads more
// of the same store (a backup's copy: its head and applied position).
[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> OpenStoredLedger(
    const std::string& dir);
// The head of a store opened so.
[[nodiscard]] absl::StatusOr<StoredHead> ReadStoredHead(const Store& store);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_STORAGE_STORED_EVENTS_H_
