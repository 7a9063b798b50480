#include "ledger/storage/stored_events.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/store.h"

namespace ledger {

absl::Status ReadStoredEvents(
    const std::string& dir, uint64_t from_seq,
    const std::function<absl::Status(const StoredEvent&)>& fn) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStoredLedger(dir));
  StoredEventDecoder decoder(*store);
  return store->ForEachEvent(
      from_seq, [&](std::string_view key, std::string_view value) {
        absl::StatusOr<v1::Event> event = decoder.Next(key, value);
        if (!event.ok()) return event.status();
        StoredEvent stored;
        stored.seq = event->header().seq();
        stored.hash = value.substr(0, kHashBytes);
        stored.bytes = value.substr(kHashBytes);
        stored.event = &*event;
        return fn(stored);
      });
}

absl::StatusOr<std::unique_ptr<Store>> OpenStoredLedger(const std::string& dir) {
  return Store::Open(dir, Store::Mode::kReadOnly, /*create_if_missing=*/false);
}

absl::StatusOr<StoredHead> ReadStoredHead(const Store& store) {
  ASSIGN_OR_RETURN(v1::HeadRecord head, store.ReadHead());
  StoredHead out;
  out.seq = head.seq();
  out.hash = head.hash();
  return out;
}

absl::StatusOr<StoredHead> ReadStoredHead(const std::string& dir) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStoredLedger(dir));
  return ReadStoredHead(*store);
}

}  // namespace ledger
