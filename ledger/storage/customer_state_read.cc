#include "ledger/storage/customer_state_read.h"

#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"

namespace ledger {
namespace {

// Drops the holds and refunds that are no longer pending: a range read
// meets every one the customer ever had, the rules walk only the pending.
void KeepPending(CustomerState& c) {
  absl::erase_if(c.holds, [](const auto& entry) {
    return entry.second.status() != v1::HOLD_PENDING;
  });
  absl::erase_if(c.refunds, [](const auto& entry) {
    return entry.second.status() != v1::REFUND_PENDING;
  });
}

absl::Status NotStored(const std::string& customer, const char* what,
                       const std::string& id) {
  return absl::DataLossError(absl::StrCat(
      "the stored header of customer ", customer, " names ", what, " ", id,
      ", which is not stored"));
}

}  // namespace

absl::StatusOr<std::optional<CustomerState>> ReadStoredCustomerByRange(
    const Store& store, const std::string& customer, bool for_rules) {
  LedgerState read;
  StateDecoder decoder(read);
  RETURN_IF_ERROR(store.ForEachStateEntryIn(
      CustomerStart(customer),
      for_rules ? CustomerUsagesStart(customer) : CustomerHoldsStart(customer),
      [&](std::string_view key, std::string_view value) {
        return decoder.Add(key, value);
      }));
  RETURN_IF_ERROR(decoder.Finish());
  auto it = read.customers.find(customer);
  if (it == read.customers.end()) return std::optional<CustomerState>();
  KeepPending(it->second);
  return std::optional<CustomerState>(std::move(it->second));
}

absl::StatusOr<std::optional<CustomerState>> ReadStoredCustomer(
    const Store& store, const std::string& customer, bool for_rules) {
  ASSIGN_OR_RETURN(std::optional<std::string> header_value,
                   store.ReadStateEntry(CustomerHeaderKey(customer)));
  if (!header_value.has_value()) return std::optional<CustomerState>();
  CustomerState c;
  std::optional<v1::CustomerEntityIds> ids;
  RETURN_IF_ERROR(DecodeStoredHeader(customer, *header_value, c.header, ids));
  if (!ids.has_value()) {
    return ReadStoredCustomerByRange(store, customer, for_rules);
  }
  if (static_cast<uint64_t>(ids->lot_ids_size()) != c.header.lots_granted()) {
    return absl::DataLossError(absl::StrCat(
        "the stored header of customer ", customer, " names ",
        ids->lot_ids_size(), " lots of its ", c.header.lots_granted()));
  }
  std::vector<std::string> keys;
  keys.reserve(ids->lot_ids_size() + ids->pending_hold_ids_size() +
               ids->pending_refund_ids_size());
  for (const std::string& id : ids->lot_ids()) keys.push_back(LotKey(customer, id));
  if (for_rules) {
    for (const std::string& id : ids->pending_hold_ids()) {
      keys.push_back(HoldKey(customer, id));
    }
    for (const std::string& id : ids->pending_refund_ids()) {
      keys.push_back(RefundKey(customer, id));
    }
  }
  if (keys.empty()) return std::optional<CustomerState>(std::move(c));
  ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                   store.ReadStateEntries(keys));
  size_t next = 0;
  c.lots.reserve(ids->lot_ids_size());
  for (const std::string& id : ids->lot_ids()) {
    const std::optional<std::string>& value = values[next++];
    if (!value.has_value()) return NotStored(customer, "lot", id);
    v1::LotState& lot = c.lots.emplace_back();
    RETURN_IF_ERROR(DecodeStoredEntity(id, *value, lot));
    const uint32_t index = static_cast<uint32_t>(c.lots.size() - 1);
    if (lot.grant_index() != index) {
      return absl::DataLossError(absl::StrCat(
          "the stored header of customer ", customer,
          " names its lots out of grant order"));
    }
    c.lot_index[id] = index;
  }
  if (!for_rules) return std::optional<CustomerState>(std::move(c));
  for (const std::string& id : ids->pending_hold_ids()) {
    const std::optional<std::string>& value = values[next++];
    if (!value.has_value()) return NotStored(customer, "hold", id);
    v1::HoldState& hold = c.holds[id];
    RETURN_IF_ERROR(DecodeStoredEntity(id, *value, hold));
    if (hold.status() != v1::HOLD_PENDING) {
      return absl::DataLossError(absl::StrCat(
          "the stored header of customer ", customer, " names hold ", id,
          " as pending, which is not"));
    }
  }
  for (const std::string& id : ids->pending_refund_ids()) {
    const std::optional<std::string>& value = values[next++];
    if (!value.has_value()) return NotStored(customer, "refund", id);
    v1::RefundState& refund = c.refunds[id];
    RETURN_IF_ERROR(DecodeStoredEntity(id, *value, refund));
    if (refund.status() != v1::REFUND_PENDING) {
      return absl::DataLossError(absl::StrCat(
          "the stored header of customer ", customer, " names refund ", id,
          " as pending, which is not"));
    }
  }
  return std::optional<CustomerState>(std::move(c));
}

}  // namespace ledger
