#include "ledger/storage/paged_reads.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/time_util.h"
#include "projections/balance.h"
#include "projections/ledger_state.h"

namespace ledger {
namespace {

absl::Status CheckLimit(size_t limit) {
  if (limit == 0 || limit > kMaxPageLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "limit ", limit, " is outside 1..", kMaxPageLimit));
  }
  return absl::OkStatus();
}

// Decodes the state entries in [from, to) into `decoder`.
absl::Status LoadRange(const Store& store, const rocksdb::Snapshot* snapshot,
                       std::string_view from, std::string_view to,
                       StateDecoder& decoder) {
  return store.ScanFamily(
      store.state(), snapshot, from, to,
      [&](std::string_view key, std::string_view value) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(decoder.Add(key, value));
        return true;
      });
}

// The id of the first customer whose id sorts after `after` (at or after
// it when `inclusive`); "" when none.
absl::StatusOr<std::string> NextCustomer(const Store& store,
                                         const rocksdb::Snapshot* snapshot,
                                         std::string_view after) {
  // Every key of customer c is c \0 ...; ids hold no byte below '-', so
  // c \1 sorts after all of c's keys and before any other id. Policy keys
  // start with \0, below every id.
  const std::string from = after.empty() ? std::string(kPoliciesEnd)
                                         : absl::StrCat(std::string(after), "\x01");
  std::string next;
  RETURN_IF_ERROR(store.ScanFamily(
      store.state(), snapshot, from, "",
      [&](std::string_view key, std::string_view) -> absl::StatusOr<bool> {
        next = std::string(key.substr(0, key.find('\0')));
        return false;
      }));
  return next;
}

}  // namespace

absl::StatusOr<CustomerPage> ReadCustomerPage(const Store& store,
                                              const rocksdb::Snapshot* snapshot,
                                              std::string_view after,
                                              size_t limit, int64_t at_us) {
  RETURN_IF_ERROR(CheckLimit(limit));
  if (at_us < kMinTimeUs || at_us > kMaxTimeUs) {
    return absl::InvalidArgumentError(
        absl::StrCat("at_us ", at_us, " is outside [", kMinTimeUs, ", ",
                     kMaxTimeUs, "]"));
  }
  LedgerState policies;
  StateDecoder policy_decoder(policies);
  RETURN_IF_ERROR(LoadRange(store, snapshot, kPoliciesStart, kPoliciesEnd,
                            policy_decoder));
  CustomerPage page;
  std::string cursor(after);
  while (page.customers.size() < limit) {
    ASSIGN_OR_RETURN(std::string id, NextCustomer(store, snapshot, cursor));
    if (id.empty()) return page;  // the end: next_after stays null
    LedgerState one;
    StateDecoder decoder(one);
    // Header and lots: what a balance reads, not the usages.
    RETURN_IF_ERROR(LoadRange(store, snapshot, CustomerStart(id),
                              CustomerHoldsStart(id), decoder));
    RETURN_IF_ERROR(decoder.Finish());
    const CustomerState* customer = one.FindCustomer(id);
    if (customer == nullptr) {
      return absl::DataLossError(
          absl::StrCat("stored customer ", id, " has no header"));
    }
    const Balance balance = ComputeBalance(*customer, policies.policies, at_us);
    CustomerSummary& summary = page.customers.emplace_back(CustomerSummary{
        .customer = id,
        .status = customer->header.status(),
        .available = balance.available,
    });
    for (const LotBalance& lot : balance.lots) {
      if (lot.expires_at_us.has_value() && *lot.expires_at_us <= at_us) continue;
      if (lot.source == v1::PROMOTIONAL) summary.promotional += lot.remaining;
      if (!lot.applies_to.empty()) summary.scoped += lot.remaining;
    }
    cursor = std::move(id);
  }
  // A full page: there is a next one when another customer follows.
  ASSIGN_OR_RETURN(std::string more, NextCustomer(store, snapshot, cursor));
  if (!more.empty()) page.next_after = cursor;
  return page;
}

namespace {

// The refund and purchase behind one queue entry.
absl::StatusOr<PendingRefund> ReadPendingRefund(
    const Store& store, const rocksdb::Snapshot* snapshot,
    const PolicyBook& policies, const PendingRefundKeyParts& entry) {
  LedgerState one;
  StateDecoder decoder(one);
  RETURN_IF_ERROR(LoadRange(store, snapshot, CustomerStart(entry.customer),
                            CustomerHoldsStart(entry.customer), decoder));
  const std::string refund_key = RefundKey(entry.customer, entry.refund_id);
  RETURN_IF_ERROR(LoadRange(store, snapshot, refund_key,
                            absl::StrCat(refund_key, std::string(1, '\0')),
                            decoder));
  RETURN_IF_ERROR(decoder.Finish());
  const CustomerState* customer = one.FindCustomer(entry.customer);
  const v1::RefundState* refund =
      customer == nullptr ? nullptr : customer->FindRefund(entry.refund_id);
  const v1::LotState* lot =
      refund == nullptr ? nullptr : customer->FindLot(refund->lot_id());
  if (lot == nullptr || refund->status() != v1::REFUND_PENDING) {
    return absl::DataLossError(absl::StrCat(
        "the pending-refund queue names refund ", entry.refund_id,
        " of customer ", entry.customer,
        ", which is not a pending refund of a stored purchase: run "
        "`ledgerctl replay`"));
  }
  PendingRefund out;
  out.customer = entry.customer;
  out.refund_id = entry.refund_id;
  out.purchase_id = lot->lot_id();
  out.credits = refund->credits();
  // 128 bits: amount_minor and credits are each up to 10^15.
  out.cash_minor =
      lot->granted() == 0
          ? 0
          : static_cast<int64_t>(static_cast<__int128>(lot->amount_minor()) *
                                 refund->credits() / lot->granted());
  out.currency = lot->currency();
  out.requested_at_us = refund->requested_at_us();
  out.window_ends_us =
      lot->granted_at_us() +
      policies.InForceAt(refund->requested_at_us()).refund_window_hours() *
          kMicrosPerHour;
  return out;
}

}  // namespace

absl::StatusOr<PendingRefundPage> ReadPendingRefundPage(
    const Store& store, const rocksdb::Snapshot* snapshot,
    std::string_view after, size_t limit) {
  RETURN_IF_ERROR(CheckLimit(limit));
  if (store.pending_refunds() == nullptr) {
    return absl::NotFoundError(
        "this ledger has no pending-refund queue yet: it is built by the "
        "first open for writing of a build that keeps it");
  }
  // This Abseil's HexStringToBytes does not validate: check the digits.
  const bool hex = after.size() % 2 == 0 &&
                   after.find_first_not_of("0123456789abcdefABCDEF") ==
                       std::string_view::npos;
  const std::string from =
      hex ? absl::HexStringToBytes(absl::string_view(after.data(), after.size()))
          : std::string();
  if (!after.empty() && (!hex || !DecodePendingRefundKey(from).ok())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "after '", std::string(after),
        "' is not a cursor of the refund queue (use next_after of a page)"));
  }
  LedgerState policies;
  StateDecoder policy_decoder(policies);
  RETURN_IF_ERROR(LoadRange(store, snapshot, kPoliciesStart, kPoliciesEnd,
                            policy_decoder));
  PendingRefundPage page;
  bool more = false;
  RETURN_IF_ERROR(store.ScanFamily(
      store.pending_refunds(), snapshot, from, "",
      [&](std::string_view key, std::string_view) -> absl::StatusOr<bool> {
        if (key == kPendingRefundsBuiltKey || key == from) return true;
        if (page.refunds.size() == limit) {
          more = true;
          return false;
        }
        ASSIGN_OR_RETURN(PendingRefundKeyParts parts, DecodePendingRefundKey(key));
        ASSIGN_OR_RETURN(PendingRefund refund,
                         ReadPendingRefund(store, snapshot, policies.policies, parts));
        refund.cursor = absl::BytesToHexString(
            absl::string_view(key.data(), key.size()));
        page.refunds.push_back(std::move(refund));
        return true;
      }));
  if (more) page.next_after = page.refunds.back().cursor;
  return page;
}

}  // namespace ledger
