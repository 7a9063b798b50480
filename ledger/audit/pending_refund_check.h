// Replay's check of the pending-refund queue (docs/storage.md, "The
// pending-refund queue"): the stored queue must hold exactly one entry per
// refund the log leaves pending, each byte for byte what the writer's
// encoding gives (storage_layout.h), and nothing else but its marker.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_PENDING_REFUND_CHECK_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_PENDING_REFUND_CHECK_H_

#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/status/status.h"
#include "ledger/replay.h"
#include "ledger/storage/store.h"
#include "projections/ledger_state.h"

namespace ledger {

// Calls its argument with every customer the replay rebuilt and the seq of
// that customer's last event (what a difference is blamed on).
using RebuiltCustomers = std::function<void(
    const std::function<void(const CustomerState&, uint64_t last_seq)>&)>;

// Compares the stored queue with the pending refunds of `customers`; on a
// difference sets report.first_bad_seq and report.problem (when no problem
// is recorded yet) naming the entry. Nothing to compare, and OK, when the
// ledger has no queue yet (made before it and not opened for writing by a
// build that keeps it). A non-OK status only when the store cannot be read.
[[nodiscard]] absl::Status CheckPendingRefundQueue(
    const Store& store, const RebuiltCustomers& customers,
    ReplayReport& report);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_PENDING_REFUND_CHECK_H_
