#include "ledger/audit/spilled_usages.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"

namespace ledger {
namespace {

// The usage id a command names, or nullptr when it names none.
const std::string* UsageIdOf(const v1::Command& command) {
  switch (command.kind_case()) {
    case v1::Command::kUse: return &command.use().usage_id();
    case v1::Command::kCapture: return &command.capture().usage_id();
    case v1::Command::kCompensate: return &command.compensate().usage_id();
    default: return nullptr;
  }
}

// The end of a customer's state keys: its prefix is the id and '\0'.
std::string CustomerEnd(std::string_view customer) {
  std::string end(customer);
  end.push_back('\1');
  return end;
}

}  // namespace

absl::StatusOr<ScratchDb*> SpilledUsages::scratch() {
  if (scratch_ == nullptr) {
    ASSIGN_OR_RETURN(scratch_,
                     ScratchDb::Create(scratch_parent_, scratch_memory_bytes_,
                                       scratch_sorted_runs_));
  }
  return scratch_.get();
}

absl::Status SpilledUsages::Fetch(const v1::Command& command,
                                  LedgerState& state) {
  if (!spilled_any_) return absl::OkStatus();  // all of them are held
  const std::string* usage_id = UsageIdOf(command);
  if (usage_id == nullptr) return absl::OkStatus();
  auto customer = state.customers.find(command.customer());
  if (customer == state.customers.end()) return absl::OkStatus();
  auto& usages = customer->second.usages;
  if (usages.contains(*usage_id)) return absl::OkStatus();
  // Most ids a `use` names are new: the filter says so without a lookup.
  if (!spilled_ids_.MayContain(absl::HashOf(command.customer(), *usage_id))) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   scratch_->Get(UsageKey(command.customer(), *usage_id)));
  if (!value.has_value()) return absl::OkStatus();  // a new id
  v1::UsageState usage;
  RETURN_IF_ERROR(DecodeStoredEntity(*usage_id, *value, usage));
  usages.emplace(*usage_id, std::move(usage));
  order_.emplace_back(command.customer(), *usage_id);
  read_back_.emplace(command.customer(), *usage_id);
  return absl::OkStatus();
}

absl::Status SpilledUsages::Note(const TouchedEntities& touched,
                                 LedgerState& state) {
  for (const std::string& usage_id : touched.usages) {
    order_.emplace_back(touched.customer, usage_id);
  }
  if (order_.size() <= max_in_memory_) return absl::OkStatus();
  // A quarter of the bound at once: one write of many, not one of each.
  return Spill(order_.size() - max_in_memory_ + max_in_memory_ / 4, state);
}

absl::Status SpilledUsages::SpillAll(LedgerState& state) {
  if (!spilled_any_) return absl::OkStatus();
  return Spill(order_.size(), state);
}

absl::Status SpilledUsages::Spill(size_t how_many, LedgerState& state) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (size_t i = 0; i < how_many && !order_.empty(); ++i) {
    auto [customer_id, usage_id] = std::move(order_.front());
    order_.pop_front();
    auto customer = state.customers.find(customer_id);
    if (customer == state.customers.end()) continue;
    auto usage = customer->second.usages.find(usage_id);
    if (usage == customer->second.usages.end()) continue;  // spilled already
    // The stored form, as the writer stores it (EncodeCustomer's value for
    // the usage; through EncodeCustomer itself the customer's header was
    // encoded for each usage and dropped, a fifth of the spill's CPU).
    entries.emplace_back(UsageKey(customer_id, usage_id),
                         StoredUsage(usage->second));
    spilled_ids_.Add(absl::HashOf(customer_id, usage_id));
    customer->second.usages.erase(usage);
    if (read_back_.erase(std::make_pair(customer_id, usage_id)) == 0) {
      ++spilled_count_;
    }
  }
  spilled_any_ = true;
  ASSIGN_OR_RETURN(ScratchDb * scratch, this->scratch());
  return scratch->WriteSorted(entries);
}

absl::Status SpilledUsages::ForEachSpilled(
    std::string_view customer,
    const std::function<absl::Status(std::string_view, std::string_view)>& fn)
    const {
  if (!spilled_any_) return absl::OkStatus();
  return scratch_->ForEachIn(CustomerUsagesStart(customer), CustomerEnd(customer),
                           fn);
}

absl::Status SpilledUsages::ForEachSpilled(
    std::string_view customer, std::unique_ptr<ScratchDb::Cursor>& cursor,
    const std::function<absl::Status(std::string_view, std::string_view)>& fn)
    const {
  if (!spilled_any_) return absl::OkStatus();
  if (cursor == nullptr) cursor = scratch_->NewCursor();
  return cursor->ForEachIn(CustomerUsagesStart(customer), CustomerEnd(customer),
                           fn);
}

absl::Status SpilledUsages::ForEachSpilledIn(
    std::string_view from, std::string_view until,
    const std::function<absl::Status(std::string_view, std::string_view)>& fn)
    const {
  if (!spilled_any_) return absl::OkStatus();
  // Customer ids never start with \0 or \1: from "\2" on, only customers'
  // usages (a fold's other scratch records sort before).
  return scratch_->ForEachIn(std::max<std::string_view>(from, "\2"), until, fn);
}

}  // namespace ledger
