// Reads the stored state of a group's uncached customers on a helper
// thread, ahead of the leader that judges the group in order.
//
// A command whose customer the state cache does not hold waits for the
// customer's header and the lots and pending entities it names: point
// lookups that spend their time waiting for memory (the memtables' skip
// lists) and cost several microseconds each. Judging is sequential, the
// reads are not: on a machine with a free core the helper has read the
// next customers by the time the leader reaches them, so a miss costs the
// leader little more than a hit (docs/storage.md, "Customers read ahead").
//
// The reads are only as current as the store when they are made. The
// write path makes that enough: the leader lists the customers while it
// holds the judging lock (no other group is judged until it is done), and
// a customer that a group not yet on disk changed stays in the cache, so
// an uncached customer's stored state does not change before the leader
// uses it. A customer the group itself changes is cached from its first
// command on, and the leader then reads the cache, not this.
#ifndef CREDIT_LEDGER_LEDGER_WRITE_PATH_CUSTOMER_PREFETCH_H_
#define CREDIT_LEDGER_LEDGER_WRITE_PATH_CUSTOMER_PREFETCH_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "projections/ledger_state.h"

namespace ledger {

class CustomerPrefetch {
 public:
  // A customer's stored state (nullopt: not stored), or the read's error.
  using StoredCustomer = absl::StatusOr<std::optional<CustomerState>>;
  // Reads one customer; called on the helper thread, so it must be safe to
  // call beside the leader's own reads of the store.
  using ReadFn = std::function<StoredCustomer(const std::string& customer)>;

  // Starts reading `customers` (distinct, in the order the leader will meet
  // them) on a thread of its own. When no thread can be started, nothing is
  // read ahead and every Take answers nullopt.
  CustomerPrefetch(std::vector<std::string> customers, ReadFn read);
  // Stops the helper after the read it is in, if any, and joins it.
  ~CustomerPrefetch();

  CustomerPrefetch(const CustomerPrefetch&) = delete;
  CustomerPrefetch& operator=(const CustomerPrefetch&) = delete;

  // The state of `customer` read ahead, waiting if the helper is reading it
  // now; each customer's is handed out once. nullopt when the caller must
  // read it itself: not listed, handed out already, or not reached yet (the
  // helper then skips it rather than read it a second time).
  std::optional<StoredCustomer> Take(const std::string& customer);

  // How many reads the helper made (tests).
  size_t ReadAheadForTest() const {
    return read_ahead_.load(std::memory_order_relaxed);
  }

 private:
  enum SlotState : uint8_t { kPending, kReading, kRead, kTaken };
  struct Slot {
    std::atomic<uint8_t> state{kPending};
    // Written by the helper before state becomes kRead (release), read by
    // the leader after it sees kRead (acquire).
    std::optional<StoredCustomer> stored;
  };

  void ReadAhead();

  const std::vector<std::string> customers_;
  const ReadFn read_;
  // customers_[i] -> i; the views point into customers_, which never changes.
  absl::flat_hash_map<std::string_view, size_t> index_;
  std::unique_ptr<Slot[]> slots_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> read_ahead_{0};
  std::thread helper_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_WRITE_PATH_CUSTOMER_PREFETCH_H_
