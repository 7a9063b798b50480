// Replay's check of the customer index (docs/storage.md, "The customer
// index"): the stored index must hold exactly the entry each event that
// names a customer implies (up to the status's seq while it is being
// built), byte for byte. Like the idempotency index's check it compares
// order-independent digests of the two sides (KeyIndexDigest), so its
// memory does not grow with the log; a difference is then named by a
// second pass over each side (the failure path). The log's side is
// digested by replay's fold, which reads every event anyway (AddImplied);
// this class digests the stored side.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_CUSTOMER_INDEX_CHECK_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_CUSTOMER_INDEX_CHECK_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "ledger/audit/key_index_digest.h"
#include "ledger/replay.h"
#include "ledger/storage/store.h"

namespace ledger {

class CustomerIndexCheck {
 public:
  // For a full replay (`full`), reads the index's status now and digests
  // the stored index: on a thread of its own while replay folds the log
  // when `parallel`, else in Finish. Does nothing for a partial replay.
  CustomerIndexCheck(const Store& store, bool full, bool parallel);
  ~CustomerIndexCheck();
  CustomerIndexCheck(const CustomerIndexCheck&) = delete;
  CustomerIndexCheck& operator=(const CustomerIndexCheck&) = delete;

  // The last seq whose event implies an entry: every one when the index
  // is complete, else those it was built through; 0 (none) for a partial
  // replay or a status that cannot be read (Finish reports it).
  uint64_t implied_through() const {
    return status_.complete ? UINT64_MAX : status_.through_seq;
  }
  // Adds to `logged` the entry event `seq` of `customer` (empty for none),
  // written at `at_us`, implies: the exact key and value the writer stores.
  // The caller adds each event through implied_through() once.
  static void AddImplied(std::string_view customer, uint64_t seq,
                         int64_t at_us, KeyIndexDigest& logged);

  // Records in `report`, unless it already holds a problem, the first
  // difference between the stored index and the log (ending at
  // `last_seq`, its implied entries digested into `logged` by AddImplied),
  // naming the entry and its event. Non-OK only when the store cannot be
  // read.
  [[nodiscard]] absl::Status Finish(uint64_t last_seq,
                                    const KeyIndexDigest& logged,
                                    ReplayReport& report);

 private:
  void ReadStatus();
  void DigestStored();
  absl::Status NameDifference(ReplayReport& report) const;

  const Store& store_;
  const bool full_;
  std::atomic<bool> stop_{false};
  // Set by ReadStatus, in the constructor; left as the default (nothing
  // built) when the status is not read.
  CustomerIndexStatus status_;
  std::string bad_status_;  // why the stored status does not decode
  absl::Status status_error_;  // the status could not be read
  // Written by DigestStored, read after it returned.
  KeyIndexDigest stored_;
  absl::Status error_;
  // Last, so that it is joined before the members DigestStored writes go.
  std::jthread thread_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_CUSTOMER_INDEX_CHECK_H_
