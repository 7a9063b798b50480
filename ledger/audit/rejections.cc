#include "ledger/rejections.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/store.h"

namespace ledger {
namespace {

// What Walk does with each refusal: go on (true) or stop (false).
using Visit = std::function<absl::StatusOr<bool>(std::string_view key,
                                                 const v1::RejectionRecord&)>;

// The smallest key above `key`.
std::string After(std::string_view key) { return std::string(key) + '\0'; }

uint64_t BigEndian(std::string_view bytes) {
  uint64_t n = 0;
  for (unsigned char c : bytes) n = (n << 8) | c;
  return n;
}

// A cursor names a refusal by its key: "<recorded_at_us>-<counter>".
std::string CursorOf(std::string_view key) {
  return absl::StrCat(BigEndian(key.substr(0, 8)), "-", BigEndian(key.substr(8)));
}

absl::StatusOr<std::string> KeyOfCursor(const std::string& cursor) {
  std::vector<std::string> parts = absl::StrSplit(cursor, '-');
  int64_t at_us = 0;
  uint64_t counter = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &at_us) || at_us < 0 ||
      !absl::SimpleAtoi(parts[1], &counter)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "after: '", cursor, "' is not a cursor of the refusal journal (the "
        "next_after of a page)"));
  }
  return EncodeRejectionKey(at_us, counter);
}

absl::StatusOr<v1::RejectionRecord> Parse(std::string_view key,
                                          std::string_view value) {
  v1::RejectionRecord record;
  if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(absl::StrCat(
        "the refusal recorded under key ",
        absl::BytesToHexString(absl::string_view(key.data(), key.size())),
        " does not parse"));
  }
  return record;
}

// Whether the per-customer index holds every refusal (storage_layout.h).
absl::StatusOr<bool> IndexBuilt(const Store& store,
                                const rocksdb::Snapshot* snapshot) {
  ASSIGN_OR_RETURN(std::optional<std::string> marker,
                   store.GetFromFamily(store.rejections(), snapshot,
                                       std::string(kRejectionIndexBuiltKey, 1)));
  return marker.has_value();
}

// Calls `visit` with each refusal `filter` keeps whose key is at least
// `from_key`, in key order, from one snapshot: one customer's through the
// index when it is complete, else by a scan of the refusals.
absl::Status Walk(const Store& store, const RejectionFilter& filter,
                  const std::string& from_key, const Visit& visit) {
  if (store.rejections() == nullptr) return absl::OkStatus();
  // A secondary instance (a reader beside a live writer) has no
  // snapshots, and needs none: it sees what was written when it opened
  // (or last caught up) until it catches up again, which this read does
  // not ask for.
  std::shared_ptr<const rocksdb::Snapshot> snapshot =
      store.mode() == Store::Mode::kSecondary ? nullptr : store.TakeSnapshot();
  std::string lo = std::max(
      from_key,
      EncodeRejectionKey(filter.from_us.has_value() ? *filter.from_us : 0, 0));
  // Below the index's marker and entries when to_us is not given.
  std::string hi = filter.to_us.has_value()
                       ? EncodeRejectionKey(*filter.to_us, 0)
                       : std::string(kRejectionIndexBuiltKey, 1);
  auto kept = [&](const v1::RejectionRecord& record) {
    return (!filter.customer.has_value() || record.customer() == *filter.customer) &&
           (!filter.code.has_value() || record.code() == *filter.code);
  };
  bool indexed = false;
  if (filter.customer.has_value()) {
    ASSIGN_OR_RETURN(indexed, IndexBuilt(store, snapshot.get()));
  }
  if (!indexed) {
    return store.ScanFamily(
        store.rejections(), snapshot.get(), lo, hi,
        [&](std::string_view key,
            std::string_view value) -> absl::StatusOr<bool> {
          ASSIGN_OR_RETURN(v1::RejectionRecord record, Parse(key, value));
          if (!kept(record)) return true;
          return visit(key, record);
        });
  }
  // The customer's index entries (storage_layout.h), each looked up: an
  // entry whose refusal is gone (dropped by a build without the index)
  // is skipped.
  const std::string prefix = RejectionIndexPrefix(*filter.customer);
  return store.ScanFamily(
      store.rejections(), snapshot.get(), prefix + lo,
      filter.to_us.has_value() ? prefix + hi : prefix + std::string(17, '\xFF'),
      [&](std::string_view index_key,
          std::string_view) -> absl::StatusOr<bool> {
        ASSIGN_OR_RETURN(std::string key, RejectionKeyOfIndexKey(index_key));
        ASSIGN_OR_RETURN(std::optional<std::string> value,
                         store.GetFromFamily(store.rejections(), snapshot.get(),
                                             key));
        if (!value.has_value()) return true;
        ASSIGN_OR_RETURN(v1::RejectionRecord record, Parse(key, *value));
        if (!kept(record)) return true;
        return visit(key, record);
      });
}

absl::StatusOr<std::unique_ptr<Store>> OpenReader(const std::string& dir) {
  return Store::Open(dir, Store::Mode::kReadOnly, false);
}

}  // namespace

absl::Status ReadRejections(
    const std::string& dir, const RejectionFilter& filter,
    const std::function<absl::Status(const v1::RejectionRecord&)>& fn) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenReader(dir));
  return Walk(*store, filter, std::string(),
              [&](std::string_view,
                  const v1::RejectionRecord& record) -> absl::StatusOr<bool> {
                RETURN_IF_ERROR(fn(record));
                return true;
              });
}

absl::StatusOr<RejectionPage> ReadRejectionPage(const std::string& dir,
                                                const RejectionFilter& filter,
                                                const std::string& after,
                                                size_t limit) {
  if (limit == 0) return absl::InvalidArgumentError("a page of 0 refusals");
  std::string from_key;
  if (!after.empty()) {
    ASSIGN_OR_RETURN(std::string key, KeyOfCursor(after));
    from_key = After(key);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenReader(dir));
  RejectionPage page;
  std::string last_key;
  RETURN_IF_ERROR(Walk(
      *store, filter, from_key,
      [&](std::string_view key,
          const v1::RejectionRecord& record) -> absl::StatusOr<bool> {
        if (page.rejections.size() == limit) {
          // One more than the page: there is a next one.
          page.next_after = CursorOf(last_key);
          return false;
        }
        page.rejections.push_back(record);
        last_key = std::string(key);
        return true;
      }));
  return page;
}

}  // namespace ledger
