// Replay's check of the customer index (docs/storage.md, "The customer
// index"): the stored index must hold exactly the entry each event that
// names a customer implies (up to the status's seq while it is being
// built), byte for byte. Like the idempotency index's check it compares
// order-independent digests of the two sides (KeyIndexDigest), so its
// memory does not grow with the log; a difference is then named by a
// second pass over each side (the failure path).
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_CUSTOMER_INDEX_CHECK_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_CUSTOMER_INDEX_CHECK_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "ledger/audit/key_index_digest.h"
#include "ledger/replay.h"
#include "ledger/storage/store.h"

namespace ledger {

class CustomerIndexCheck {
 public:
  // For a full replay (`full`), digests both sides: on a thread of its own
  // while replay folds the log when `parallel`, else in Finish. Does
  // nothing for a partial replay.
  CustomerIndexCheck(const Store& store, bool full, bool parallel);
  ~CustomerIndexCheck();
  CustomerIndexCheck(const CustomerIndexCheck&) = delete;
  CustomerIndexCheck& operator=(const CustomerIndexCheck&) = delete;

  // Records in `report`, unless it already holds a problem, the first
  // difference between the stored index and the log (ending at
  // `last_seq`), naming the entry and its event. Non-OK only when the
  // store cannot be read.
  [[nodiscard]] absl::Status Finish(uint64_t last_seq, ReplayReport& report);

 private:
  void Digest();
  absl::Status NameDifference(ReplayReport& report) const;

  const Store& store_;
  const bool full_;
  std::atomic<bool> stop_{false};
  // Written by Digest, read after it returned.
  CustomerIndexStatus status_;
  uint64_t logged_through_ = 0;  // the last event whose entry is implied
  KeyIndexDigest logged_;
  KeyIndexDigest stored_;
  absl::Status error_;
  std::string bad_status_;  // why the stored status does not decode
  // Last, so that it is joined before the members Digest writes go.
  std::jthread thread_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_CUSTOMER_INDEX_CHECK_H_
