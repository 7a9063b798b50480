// The order in which the writer's cached customers were last used, so the
// cache can drop the least recently used first (docs/storage.md, "Memory").
// Not thread-safe: the writer guards it with the state lock.
#ifndef CREDIT_LEDGER_LEDGER_WRITE_PATH_CUSTOMER_LRU_H_
#define CREDIT_LEDGER_LEDGER_WRITE_PATH_CUSTOMER_LRU_H_

#include <list>
#include <string>

#include "absl/container/flat_hash_map.h"

namespace ledger {

class CustomerLru {
 public:
  // Makes `id` the most recently used, adding it when it is new.
  void Touch(const std::string& id) {
    auto it = position_.find(id);
    if (it != position_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    order_.push_front(id);
    position_.emplace(id, order_.begin());
  }

  // Removes and returns the least recently used id.
  // REQUIRES: size() > 0.
  std::string PopOldest() {
    std::string id = std::move(order_.back());
    order_.pop_back();
    position_.erase(id);
    return id;
  }

  size_t size() const { return position_.size(); }

 private:
  std::list<std::string> order_;  // most recent first
  absl::flat_hash_map<std::string, std::list<std::string>::iterator> position_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_WRITE_PATH_CUSTOMER_LRU_H_
