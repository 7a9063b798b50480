// VerifyLog's pass over an open store, with a hook for each event it found
// good, so that what sums events (the trial balance) reads them only from a
// log whose chain, head and digest check. Internal: not installed.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_VERIFY_STORE_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_VERIFY_STORE_H_

#include <functional>

#include "absl/status/statusor.h"
#include "ledger/storage/store.h"
#include "ledger/v1/event.pb.h"
#include "ledger/verify.h"

namespace ledger {

// As VerifyLog, on `store`. `on_event`, when set, is called with each event
// in log order once its link in the chain checked good; a later finding
// (e.g. a bad head) can still make the report !ok, so the caller must
// discard what it gathered unless the report is ok.
[[nodiscard]] absl::StatusOr<VerifyReport> VerifyStore(
    const Store& store, const VerifyOptions& options,
    const std::function<void(const v1::Event&)>& on_event);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_VERIFY_STORE_H_
