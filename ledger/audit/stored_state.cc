// Queries on the stored projections from outside the writing process
// (ledger/stored_state.h): `ledgerctl balance`, `customers` and `policy`.
#include "ledger/stored_state.h"

#include <algorithm>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/store.h"
#include "ledger/time_util.h"
#include "projections/balance.h"
#include "projections/ledger_state.h"

namespace ledger {
namespace {

absl::Status CheckTime(int64_t at_us) {
  if (at_us < kMinTimeUs || at_us > kMaxTimeUs) {
    return absl::InvalidArgumentError(absl::StrCat(
        "at_us ", at_us, " is outside [", kMinTimeUs, ", ", kMaxTimeUs,
        "], 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"));
  }
  return absl::OkStatus();
}

// Which stored projections to load: all of them, or only the policy
// versions and (when not empty) one customer's entities.
struct Ranges {
  bool all = true;
  std::string customer;
};

// Decodes the state entries whose key starts with `prefix`.
absl::Status LoadRange(const Store& store, const std::string& prefix,
                       StateDecoder& decoder) {
  bool past = false;
  absl::Status s = store.ForEachStateEntry(
      [&](std::string_view key, std::string_view value) {
        if (!key.starts_with(prefix)) {
          past = true;
          return absl::CancelledError("past the range");  // ends the scan
        }
        return decoder.Add(key, value);
      },
      prefix);
  return past && absl::IsCancelled(s) ? absl::OkStatus() : s;
}

// The stored projections as the writer last committed them. Store::Open in
// kReadOnly mode never creates `dir` and, beside a live writer, reads
// through a secondary instance instead of taking the lock.
absl::StatusOr<std::unique_ptr<LedgerState>> LoadStoredState(
    const std::string& dir, const Ranges& ranges = Ranges()) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  auto state = std::make_unique<LedgerState>();
  if (ranges.all) {
    RETURN_IF_ERROR(store->LoadState(*state));
  } else {
    // One customer's entries sort together (docs/storage.md), so a balance
    // reads that customer and the policies, not the whole state.
    StateDecoder decoder(*state);
    RETURN_IF_ERROR(LoadRange(*store, PolicyStatePrefix(), decoder));
    if (!ranges.customer.empty()) {
      RETURN_IF_ERROR(
          LoadRange(*store, CustomerStatePrefix(ranges.customer), decoder));
    }
    RETURN_IF_ERROR(decoder.Finish());
  }
  RETURN_IF_ERROR(store->Close());
  return state;
}

PolicyVersionInfo InfoOf(const v1::PolicyState& policy) {
  return PolicyVersionInfo{
      .version = policy.version(),
      .refund_window_hours = policy.refund_window_hours(),
      .inquiry_window_hours = policy.inquiry_window_hours(),
      .clock_skew_seconds = policy.clock_skew_seconds(),
      .effective_from_us = policy.effective_from_us(),
      .seq = policy.seq(),
      .four_eyes = policy.four_eyes(),
  };
}

}  // namespace

absl::StatusOr<Balance> ReadStoredBalance(const std::string& dir,
                                          const std::string& customer,
                                          int64_t at_us) {
  RETURN_IF_ERROR(CheckTime(at_us));
  if (customer.empty()) {
    return absl::NotFoundError("unknown customer ''");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerState> state,
                   LoadStoredState(dir, Ranges{.all = false, .customer = customer}));
  const CustomerState* c = state->FindCustomer(customer);
  if (c == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown customer '", customer, "'"));
  }
  return ComputeBalance(*c, state->policies, at_us);
}

absl::StatusOr<std::vector<CustomerSummary>> ListStoredCustomers(
    const std::string& dir, int64_t at_us,
    std::optional<v1::CustomerStatus> status) {
  RETURN_IF_ERROR(CheckTime(at_us));
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerState> state, LoadStoredState(dir));
  std::vector<CustomerSummary> out;
  for (const auto& [id, customer] : state->customers) {
    if (status.has_value() && customer.header.status() != *status) continue;
    const Balance balance = ComputeBalance(customer, state->policies, at_us);
    CustomerSummary& summary = out.emplace_back(CustomerSummary{
        .customer = id,
        .status = customer.header.status(),
        .available = balance.available,
    });
    for (const LotBalance& lot : balance.lots) {
      if (lot.expires_at_us.has_value() && *lot.expires_at_us <= at_us) continue;
      if (lot.source == v1::PROMOTIONAL) summary.promotional += lot.remaining;
      if (!lot.applies_to.empty()) summary.scoped += lot.remaining;
    }
  }
  std::sort(out.begin(), out.end(),
            [](const CustomerSummary& a, const CustomerSummary& b) {
              return a.customer < b.customer;
            });
  return out;
}

absl::StatusOr<PolicyHistory> ReadStoredPolicies(const std::string& dir,
                                                 int64_t at_us) {
  RETURN_IF_ERROR(CheckTime(at_us));
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerState> state,
                   LoadStoredState(dir, Ranges{.all = false, .customer = ""}));
  const PolicyBook& book = state->policies;
  PolicyHistory history;
  // A fresh book holds only the default (seq 0), in force from the epoch.
  const PolicyBook defaults;
  history.versions.push_back(InfoOf(defaults.InForceAt(kMinTimeUs)));
  for (const v1::PolicyState& p : book.versions()) {
    history.versions.push_back(InfoOf(p));
  }
  const v1::PolicyState& now = book.InForceAt(at_us);
  for (size_t i = 0; i < history.versions.size(); ++i) {
    if (history.versions[i].seq == now.seq()) history.in_force = i;
  }
  return history;
}

std::optional<std::string> RefusedFormatMarker(const absl::Status& status) {
  // absl::optional: this Abseil does not alias std::optional.
  auto marker = status.GetPayload(kRefusedFormatPayloadUrl);
  if (!absl::IsFailedPrecondition(status) || !marker.has_value()) {
    return std::nullopt;
  }
  return std::string(*marker);
}

}  // namespace ledger
