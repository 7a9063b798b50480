// The writer's bounded cache of customers (docs/storage.md, "Memory"):
// bringing a command's customer and the usage, hold or refund it names in
// from the store, and trimming the cache once a group is on disk.
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "ledger/base/check.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/customer_state_read.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/write_path/ledger_impl.h"

namespace ledger {

namespace {

// What no rule reads other than by id: usages, and holds and refunds that
// are no longer pending. Suspend, terminate and expire walk the pending ones.
void DropSettled(CustomerState& c) {
  c.usages.clear();
  absl::erase_if(c.holds, [](const auto& entry) {
    return entry.second.status() != v1::HOLD_PENDING;
  });
  absl::erase_if(c.refunds, [](const auto& entry) {
    return entry.second.status() != v1::REFUND_PENDING;
  });
}

// Reads the entity stored under `key` into `map[id]` unless it is there
// already (then it is at least as new as the store's).
template <typename Message, typename Map>
absl::Status FetchById(const Store& store, const std::string& key,
                       const std::string& id, Map& map) {
  if (map.contains(id)) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<std::string> value, store.ReadStateEntry(key));
  if (!value.has_value()) return absl::OkStatus();
  Message m;
  RETURN_IF_ERROR(DecodeStoredEntity(id, *value, m));
  map.emplace(id, std::move(m));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<CustomerState>> LedgerImpl::ReadCustomer(
    const std::string& customer, bool for_rules) const {
  // The header, then one MultiGet of what it names (customer_state_read.h).
  ASSIGN_OR_RETURN(std::optional<CustomerState> read,
                   ReadStoredCustomer(*store_, customer, for_rules));
  if (read.has_value()) DropSettled(*read);
  return read;
}

std::vector<std::string> LedgerImpl::UncachedCustomers(
    const std::vector<Writer*>& group) const {
  std::vector<std::string> uncached;
  absl::flat_hash_set<std::string_view> seen;
  for (const Writer* w : group) {
    for (const Prepared& p : *w->commands) {
      const std::string& id = p.command.customer();
      if (p.invalid.has_value() || id.empty()) continue;
      if (state_.customers.contains(id) || !seen.insert(id).second) continue;
      uncached.push_back(id);
    }
  }
  return uncached;
}

absl::Status LedgerImpl::Fetch(const v1::Command& command,
                               InFlightGroup& group,
                               CustomerPrefetch* read_ahead) {
  const std::string& id = command.customer();
  if (id.empty()) return absl::OkStatus();  // set_policy
  group.customers.insert(id);
  auto it = state_.customers.find(id);
  if (it == state_.customers.end()) {
    std::optional<CustomerPrefetch::StoredCustomer> ahead;
    if (read_ahead != nullptr) ahead = read_ahead->Take(id);
    if (ahead.has_value()) {
      customers_read_ahead_.fetch_add(1, std::memory_order_relaxed);
    }
    ASSIGN_OR_RETURN(std::optional<CustomerState> stored,
                     ahead.has_value() ? std::move(*ahead)
                                       : ReadCustomer(id, /*for_rules=*/true));
    if (!stored.has_value()) return absl::OkStatus();  // UNKNOWN_CUSTOMER
    it = state_.customers.try_emplace(id, std::move(*stored)).first;
  }
  lru_.Touch(id);
  CustomerState& c = it->second;
  const Store& store = *store_;
  auto usage = [&](const std::string& usage_id) {
    return FetchById<v1::UsageState>(store, UsageKey(id, usage_id), usage_id,
                                     c.usages);
  };
  auto hold = [&](const std::string& hold_id) {
    return FetchById<v1::HoldState>(store, HoldKey(id, hold_id), hold_id,
                                    c.holds);
  };
  auto refund = [&](const std::string& refund_id) {
    return FetchById<v1::RefundState>(store, RefundKey(id, refund_id),
                                      refund_id, c.refunds);
  };
  switch (command.kind_case()) {
    case v1::Command::kUse: return usage(command.use().usage_id());
    case v1::Command::kCompensate: return usage(command.compensate().usage_id());
    case v1::Command::kHold: return hold(command.hold().hold_id());
    case v1::Command::kRelease: return hold(command.release().hold_id());
    case v1::Command::kCapture:
      RETURN_IF_ERROR(hold(command.capture().hold_id()));
      return usage(command.capture().usage_id());
    case v1::Command::kRequestRefund:
      return refund(command.request_refund().refund_id());
    case v1::Command::kApproveRefund:
      return refund(command.approve_refund().refund_id());
    case v1::Command::kDenyRefund:
      return refund(command.deny_refund().refund_id());
    default:
      return absl::OkStatus();
  }
}

void LedgerImpl::ShrinkCache(
    const absl::flat_hash_set<std::string>& customers) {
  for (const std::string& id : customers) {
    if (Unwritten(id)) continue;  // a later group's changes are not on disk
    auto it = state_.customers.find(id);
    if (it != state_.customers.end()) DropSettled(it->second);
  }
  // Customers a group in flight changed stay, as the most recently used.
  std::vector<std::string> unwritten;
  while (lru_.size() > options_.state_cache_customers) {
    std::string id = lru_.PopOldest();
    if (Unwritten(id)) {
      unwritten.push_back(std::move(id));
    } else {
      state_.customers.erase(id);
    }
  }
  for (auto it = unwritten.rbegin(); it != unwritten.rend(); ++it) lru_.Touch(*it);
  LEDGER_CHECK(lru_.size() == state_.customers.size())
      << "the customer cache lost track of " << state_.customers.size()
      << " customers against " << lru_.size() << " in its order";
}

}  // namespace ledger
