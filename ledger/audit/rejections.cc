#include "ledger/rejections.h"

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/store.h"

namespace ledger {
namespace {

// Stops the scan once past filter.to_us; not an error.
absl::Status PastTheEnd() { return absl::OutOfRangeError("past --to"); }

}  // namespace

absl::Status ReadRejections(
    const std::string& dir, const RejectionFilter& filter,
    const std::function<absl::Status(const v1::RejectionRecord&)>& fn) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  // Keys start with the recording time: the period is a key range.
  const std::string from =
      filter.from_us.has_value() ? EncodeRejectionKey(*filter.from_us, 0) : "";
  bool ended = false;
  absl::Status scanned = store->ForEachRejection(
      [&](std::string_view key, std::string_view value) -> absl::Status {
        v1::RejectionRecord record;
        if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          return absl::DataLossError(absl::StrCat(
              "the refusal recorded under key ",
              absl::BytesToHexString(absl::string_view(key.data(), key.size())),
              " does not parse"));
        }
        if (filter.to_us.has_value() && record.recorded_at_us() >= *filter.to_us) {
          ended = true;
          return PastTheEnd();
        }
        if (filter.customer.has_value() && record.customer() != *filter.customer) {
          return absl::OkStatus();
        }
        if (filter.code.has_value() && record.code() != *filter.code) {
          return absl::OkStatus();
        }
        return fn(record);
      },
      from);
  if (ended && absl::IsOutOfRange(scanned)) return absl::OkStatus();
  return scanned;
}

}  // namespace ledger
