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
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly,
                               /*create_if_missing=*/false));
  v1::Event event;
  return store->ForEachEvent(
      from_seq, [&](std::string_view key, std::string_view value) {
        ASSIGN_OR_RETURN(uint64_t seq, DecodeEventKey(key));
        event.Clear();
        if (value.size() < kHashBytes ||
            !event.ParseFromArray(value.data() + kHashBytes,
                                  static_cast<int>(value.size() - kHashBytes))) {
          return absl::DataLossError(
              absl::StrCat("stored event seq ", seq, " does not parse"));
        }
        if (event.header().seq() != seq) {
          return absl::DataLossError(
              absl::StrCat("stored event under seq ", seq, " says seq ",
                           event.header().seq()));
        }
        StoredEvent stored;
        stored.seq = seq;
        stored.hash = value.substr(0, kHashBytes);
        stored.bytes = value.substr(kHashBytes);
        stored.event = &event;
        return fn(stored);
      });
}

absl::StatusOr<StoredHead> ReadStoredHead(const std::string& dir) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly,
                               /*create_if_missing=*/false));
  ASSIGN_OR_RETURN(v1::HeadRecord head, store->ReadHead());
  StoredHead out;
  out.seq = head.seq();
  out.hash = head.hash();
  return out;
}

}  // namespace ledger
