// The refunds and compensations report an auditor would otherwise script
// (docs/audit.md, "Refunds and compensations"; `ledgerctl refunds`): each
// refund with who asked and who decided, the window it was judged under,
// the credits frozen and the cash paid back; each compensation with who
// verified it. Computed from the log alone, verified first as by VerifyLog.
//
//   ASSIGN_OR_RETURN(ledger::RefundReport r, ledger::RefundReportFor(dir, {}));
//   for (const ledger::RefundRow& row : r.refunds) ...
#ifndef CREDIT_LEDGER_LEDGER_REFUNDS_H_
#define CREDIT_LEDGER_LEDGER_REFUNDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/v1/event.pb.h"
#include "ledger/v1/types.pb.h"

namespace ledger {

struct RefundRow {
  std::string customer;
  std::string refund_id;
  std::string purchase_id;  // the lot the refund is of
  v1::RefundStatus state = v1::REFUND_PENDING;
  uint64_t requested_seq = 0;
  int64_t requested_at_us = 0;  // the request_refund's `at`
  std::string requester;        // the request's actor (EventActor)
  std::string policy_version;   // the request was judged under
  int64_t window_hours = 0;     // that version's refund window
  int64_t window_ends_us = 0;   // purchase granted_at + window
  uint64_t decided_seq = 0;     // 0 while pending
  int64_t decided_at_us = 0;
  std::string reviewer;         // the decision's actor (EventActor)
  v1::DenyCause deny_cause = v1::DENY_CAUSE_UNSPECIFIED;  // when denied
  std::string deny_reason;
  int64_t credits = 0;          // frozen by the request
  int64_t cash_minor = 0;       // paid back, when approved
  std::string currency;         // of the purchase
};

struct CompensationRow {
  std::string customer;
  std::string adjustment_id;
  std::string usage_id;
  int64_t credits = 0;
  std::string verified_by;  // as the command gave it
  std::string actor;        // who sent it (EventActor)
  uint64_t seq = 0;
  int64_t at_us = 0;
};

struct RefundFilter {
  std::optional<v1::RefundStatus> state;  // refunds only
  // Refunds requested, and compensations made, at from_us <= at < to_us.
  std::optional<int64_t> from_us;
  std::optional<int64_t> to_us;
};

struct RefundReport {
  std::vector<RefundRow> refunds;              // in order of request (seq)
  std::vector<CompensationRow> compensations;  // in log order
};

// Who issued `event`: the actor the ledger recorded on it, or "" for an
// event written before actors were recorded. The one accessor the reports
// read the actor through.
std::string EventActor(const v1::Event& event);

// The report of the ledger in `dir`, read without writing (beside a live
// writer too). NotFound when there is no ledger; DataLoss when the log does
// not verify.
[[nodiscard]] absl::StatusOr<RefundReport> RefundReportFor(
    const std::string& dir, const RefundFilter& filter);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_REFUNDS_H_
