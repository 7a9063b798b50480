#include "ledger/write_path/customer_prefetch.h"

#include <system_error>
#include <utility>

#include "ledger/base/check.h"

namespace ledger {

CustomerPrefetch::CustomerPrefetch(std::vector<std::string> customers,
                                   ReadFn read)
    : customers_(std::move(customers)),
      read_(std::move(read)),
      slots_(new Slot[customers_.size()]) {
  index_.reserve(customers_.size());
  for (size_t i = 0; i < customers_.size(); ++i) {
    const bool distinct = index_.emplace(customers_[i], i).second;
    LEDGER_CHECK(distinct) << "customer " << customers_[i]
                           << " listed twice to be read ahead";
  }
  try {
    helper_ = std::thread([this] { ReadAhead(); });
  } catch (const std::system_error&) {
    // No thread to be had: the leader reads every customer itself.
    stop_.store(true, std::memory_order_relaxed);
  }
}

CustomerPrefetch::~CustomerPrefetch() {
  stop_.store(true, std::memory_order_relaxed);
  if (helper_.joinable()) helper_.join();
}

void CustomerPrefetch::ReadAhead() {
  for (size_t i = 0; i < customers_.size(); ++i) {
    if (stop_.load(std::memory_order_relaxed)) return;
    Slot& slot = slots_[i];
    uint8_t pending = kPending;
    // The leader got there first and reads it itself.
    if (!slot.state.compare_exchange_strong(pending, kReading,
                                            std::memory_order_acquire)) {
      continue;
    }
    slot.stored.emplace(read_(customers_[i]));
    read_ahead_.fetch_add(1, std::memory_order_relaxed);
    slot.state.store(kRead, std::memory_order_release);
    slot.state.notify_one();
  }
}

std::optional<CustomerPrefetch::StoredCustomer> CustomerPrefetch::Take(
    const std::string& customer) {
  auto it = index_.find(customer);
  if (it == index_.end()) return std::nullopt;
  Slot& slot = slots_[it->second];
  uint8_t state = kPending;
  // Not reached yet: reading it here costs no more than waiting for the
  // helper would, and the helper, behind, skips it.
  if (slot.state.compare_exchange_strong(state, kTaken,
                                         std::memory_order_acquire)) {
    return std::nullopt;
  }
  while (state == kReading) {
    slot.state.wait(kReading, std::memory_order_acquire);
    state = slot.state.load(std::memory_order_acquire);
  }
  if (state == kTaken) return std::nullopt;
  LEDGER_CHECK(state == kRead) << "a customer read ahead in an unknown state";
  slot.state.store(kTaken, std::memory_order_relaxed);
  std::optional<StoredCustomer> stored = std::move(slot.stored);
  slot.stored.reset();
  return stored;
}

}  // namespace ledger
