// Loading one stored customer into the writer's state cache (docs/storage.md,
// "Loading a customer"): its header, then one MultiGet of what the header
// names, so a cache miss costs two point lookups however long the
// customer's history, instead of a range read over every hold and refund
// it ever had.
#ifndef CREDIT_LEDGER_LEDGER_STORAGE_CUSTOMER_STATE_READ_H_
#define CREDIT_LEDGER_LEDGER_STORAGE_CUSTOMER_STATE_READ_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/storage/store.h"
#include "projections/ledger_state.h"

namespace ledger {

// The stored customer `customer`: its header and every lot, and with
// `for_rules` its pending holds and refunds too (what the rules walk; the
// settled ones and the usages are read by id when a command names them).
// nullopt for a customer the store does not hold. A header that names no
// entities (written before headers named them, or of a customer of more
// than kListedIdsMax) is loaded by the range read the names replace.
// DataLoss when the header names an entity that is not stored, or a hold or
// refund that is not pending, or lots out of grant order.
[[nodiscard]] absl::StatusOr<std::optional<CustomerState>> ReadStoredCustomer(
    const Store& store, const std::string& customer, bool for_rules);

// The same by the range read alone, whatever the header names: what
// ReadStoredCustomer answers for an unlisted header, and the reference its
// tests compare the named read with.
[[nodiscard]] absl::StatusOr<std::optional<CustomerState>>
ReadStoredCustomerByRange(const Store& store, const std::string& customer,
                          bool for_rules);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_STORAGE_CUSTOMER_STATE_READ_H_
