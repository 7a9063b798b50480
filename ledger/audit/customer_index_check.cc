#include "ledger/audit/customer_index_check.h"

#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/customer_index.h"
#include "ledger/storage/storage_layout.h"

namespace ledger {
namespace {

absl::Status Stopped() { return absl::CancelledError("replay stopped"); }

std::string Hex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

// The first finding by seq (0: not in one event, ranked last).
struct Finding {
  uint64_t seq = 0;
  std::string problem;
  void Offer(uint64_t at_seq, std::string what) {
    if (!problem.empty() && (at_seq == 0 || (seq != 0 && seq <= at_seq))) return;
    seq = at_seq;
    problem = std::move(what);
  }
};

}  // namespace

CustomerIndexCheck::CustomerIndexCheck(const Store& store, bool full,
                                       bool parallel)
    : store_(store), full_(full) {
  if (!full_) return;
  ReadStatus();
  if (parallel && bad_status_.empty() && status_error_.ok()) {
    thread_ = std::jthread([this] { DigestStored(); });
  }
}

CustomerIndexCheck::~CustomerIndexCheck() {
  stop_ = true;  // replay returned early: its report already holds a finding
}

void CustomerIndexCheck::ReadStatus() {
  absl::StatusOr<CustomerIndexStatus> status = store_.ReadCustomerIndexStatus();
  if (!status.ok()) {
    // A status that does not decode is a finding; a read that fails is not.
    if (absl::IsDataLoss(status.status())) {
      bad_status_ = std::string(status.status().message());
    } else {
      status_error_ = status.status();
    }
    return;
  }
  status_ = *status;
}

void CustomerIndexCheck::AddImplied(std::string_view customer, uint64_t seq,
                                    int64_t at_us, KeyIndexDigest& logged) {
  if (customer.empty()) return;  // a set_policy: no customer, no entry
  logged.Add(CustomerEventKey(customer, seq), EncodeCustomerEventValue(at_us));
}

void CustomerIndexCheck::DigestStored() {
  error_ = store_.ForEachCustomerIndexEntry(
      [&](std::string_view key, std::string_view value) {
        if (stop_) return Stopped();
        if (key != kCustomerIndexStatusKey) stored_.Add(key, value);
        return absl::OkStatus();
      });
}

absl::Status CustomerIndexCheck::Finish(uint64_t last_seq,
                                        const KeyIndexDigest& logged,
                                        ReplayReport& report) {
  if (!full_ || !report.problem.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(status_error_);
  if (!bad_status_.empty()) {
    report.first_bad_seq = 0;
    report.problem = bad_status_;
    return absl::OkStatus();
  }
  if (thread_.joinable()) {
    thread_.join();
  } else {
    DigestStored();
  }
  if (absl::IsCancelled(error_)) return absl::OkStatus();
  RETURN_IF_ERROR(error_);
  if (!status_.complete && status_.through_seq > last_seq) {
    report.first_bad_seq = 0;
    report.problem = absl::StrCat(
        "the customer index's status says it is built through seq ",
        status_.through_seq, ", past the end of the log (seq ", last_seq, ")");
    return absl::OkStatus();
  }
  if (logged == stored_) return absl::OkStatus();
  return NameDifference(report);
}

// The digests differ: each stored entry is checked against its event, then
// each event against its entry, and the finding with the lowest seq named.
absl::Status CustomerIndexCheck::NameDifference(ReplayReport& report) const {
  const uint64_t through =
      status_.complete ? UINT64_MAX : status_.through_seq;
  Finding first;
  RETURN_IF_ERROR(store_.ForEachCustomerIndexEntry(
      [&](std::string_view key, std::string_view value) -> absl::Status {
        if (key == kCustomerIndexStatusKey) return absl::OkStatus();
        absl::StatusOr<std::pair<std::string, uint64_t>> named =
            DecodeCustomerEventKey(key);
        if (!named.ok()) {
          first.Offer(0, absl::StrCat("customer index entry '", absl::CEscape(absl::string_view(key.data(), key.size())),
                                      "' is not a customer and a seq"));
          return absl::OkStatus();
        }
        const auto& [customer, seq] = *named;
        const std::string entry =
            absl::StrCat("customer index entry (customer ", customer, ", seq ", seq, ")");
        ASSIGN_OR_RETURN(std::optional<std::string> event, store_.ReadEventValue(seq));
        if (!event.has_value() || seq > through || event->size() < kHashBytes) {
          first.Offer(seq, absl::StrCat(entry, " has no event behind it"));
          return absl::OkStatus();
        }
        absl::StatusOr<IndexedFields> fields =
            SkimStoredEvent(std::string_view(*event).substr(kHashBytes));
        if (!fields.ok()) return absl::OkStatus();  // replay names the event
        if (fields->customer != customer) {
          first.Offer(seq, absl::StrCat(
              entry, " names an event of ",
              fields->customer.empty() ? std::string("no customer")
                                       : absl::StrCat("customer ", fields->customer)));
          return absl::OkStatus();
        }
        const std::string implied = EncodeCustomerEventValue(fields->at_us);
        if (value != implied) {
          first.Offer(seq, absl::StrCat(entry, " does not match the log (stored ",
                                        Hex(value), ", the log implies ",
                                        Hex(implied), ")"));
        }
        return absl::OkStatus();
      }));
  if (first.problem.empty()) {
    // Every stored entry is right: one the log implies is missing.
    absl::Status scanned = store_.ForEachEvent(
        1, [&](std::string_view key, std::string_view value) -> absl::Status {
          ASSIGN_OR_RETURN(uint64_t seq, DecodeEventKey(key));
          if (seq > through || value.size() < kHashBytes) return Stopped();
          absl::StatusOr<IndexedFields> fields =
              SkimStoredEvent(value.substr(kHashBytes));
          if (!fields.ok() || fields->customer.empty()) return absl::OkStatus();
          ASSIGN_OR_RETURN(std::optional<std::string> entry,
                           store_.ReadCustomerIndexEntry(fields->customer, seq));
          if (entry.has_value()) return absl::OkStatus();
          first.Offer(seq, absl::StrCat("the customer index has no entry for event ",
                                        seq, " of customer ", fields->customer));
          return Stopped();
        });
    if (!absl::IsCancelled(scanned)) RETURN_IF_ERROR(scanned);
  }
  if (first.problem.empty()) {
    first.Offer(0, "the customer index differs from the log");
  }
  report.first_bad_seq = first.seq;
  report.problem = std::move(first.problem);
  return absl::OkStatus();
}

}  // namespace ledger
