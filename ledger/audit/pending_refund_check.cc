#include "ledger/audit/pending_refund_check.h"

#include <map>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"

namespace ledger {
namespace {

// An entry named for a person: customer, refund and request time.
std::string Describe(std::string_view key) {
  absl::StatusOr<PendingRefundKeyParts> parts = DecodePendingRefundKey(key);
  if (!parts.ok()) {
    return absl::StrCat("pending-refund entry '",
                        absl::CEscape(std::string(key)), "'");
  }
  return absl::StrCat("pending-refund entry of refund ", parts->refund_id,
                      " of customer ", parts->customer, " requested at ",
                      parts->requested_at_us, " us");
}

}  // namespace

absl::Status CheckPendingRefundQueue(const Store& store,
                                     const RebuiltCustomers& customers,
                                     ReplayReport& report) {
  if (store.pending_refunds() == nullptr || !report.problem.empty()) {
    return absl::OkStatus();
  }
  // The refunds pending at the end of the log are few beside the log (each
  // waits for a person's review), so they are held in key order.
  struct Expected {
    std::string value;
    uint64_t seq = 0;
  };
  std::map<std::string, Expected> expected;
  customers([&](const CustomerState& customer, uint64_t last_seq) {
    EncodePendingRefunds(customer, [&](std::string key, std::string value) {
      expected.emplace(std::move(key), Expected{std::move(value), last_seq});
    });
  });
  bool built = false;
  size_t stored = 0;
  auto record = [&](uint64_t seq, std::string problem) {
    report.first_bad_seq = seq;
    report.problem = std::move(problem);
    return false;  // stops the scan: the first difference is the report's
  };
  RETURN_IF_ERROR(store.ScanFamily(
      store.pending_refunds(), nullptr, "", "",
      [&](std::string_view key, std::string_view value) -> absl::StatusOr<bool> {
        if (key == kPendingRefundsBuiltKey) {
          built = value.empty();
          if (!built) return record(0, "the pending-refund queue's marker is damaged");
          return true;
        }
        ++stored;
        auto it = expected.find(std::string(key));
        if (it == expected.end()) {
          return record(0, absl::StrCat("stored ", Describe(key),
                                        " has no pending refund behind it"));
        }
        if (it->second.value != value) {
          return record(it->second.seq,
                        absl::StrCat("stored ", Describe(key),
                                     " differs from the log (lot '",
                                     absl::CEscape(std::string(value)),
                                     "', the log says '", it->second.value,
                                     "')"));
        }
        expected.erase(it);
        return true;
      }));
  if (!report.problem.empty()) return absl::OkStatus();
  if (!built) {
    // Entries without the marker: a build cut short, which the next
    // writable open redoes; and with no entry, a queue not built yet.
    if (stored != 0) {
      report.first_bad_seq = 0;
      report.problem =
          "the pending-refund queue has no marker: it was never built whole";
    }
    return absl::OkStatus();
  }
  if (!expected.empty()) {
    report.first_bad_seq = expected.begin()->second.seq;
    report.problem = absl::StrCat(Describe(expected.begin()->first),
                                  " is missing from the store");
  }
  return absl::OkStatus();
}

}  // namespace ledger
