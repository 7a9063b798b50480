// The liability report (docs/contract.md section 8): what the platform owes its
// customers in credits and in cash, and how that moved over a period, read from
// the log alone (ledger/verify.h checks it first). docs/audit.md shows it run;
// docs/accounting.md gives the journal accounts behind each row.
#ifndef CREDIT_LEDGER_LEDGER_LIABILITY_H_
#define CREDIT_LEDGER_LEDGER_LIABILITY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/audit_memory.h"

namespace ledger {

// One unit of the report. Units are "CREDITS:PURCHASE",
// "CREDITS:SUBSCRIPTION", "CREDITS:COMPENSATION" (credits, per source of the
// lot they sit in) and one ISO-4217 currency per currency of a PURCHASE lot
// (cash in minor units, at cost basis; subscription money is never owed
// back, compensation cost none).
//
// Credits owed are a lot's remaining + held + refund_pending: credits in a
// hold or a pending refund are still the customer's until a capture spends
// them or an approval refunds them, and credits past their expiry stay owed
// until an `expire` sweeps them. The cash owed on a purchase lot that has
// lost c of its granted g credits for good is
// amount_minor - floor(amount_minor * c / g), so the cash value of x credits
// leaving it is floor(amount_minor * (c + x) / g) - floor(amount_minor * c / g)
// and a lot's flows add up to its cost exactly.
//
// Sums are 128-bit: one customer stays below 10^18 credits, all of them
// together need not fit in int64.
struct LiabilityRow {
  std::string unit;
  __int128 opening = 0;    // owed as the events before `from` leave it
  __int128 granted = 0;    // new lots (purchase, subscribe, renew, compensate, grant)
  __int128 used = 0;       // spent by use and capture: revenue recognized
  __int128 expired = 0;    // swept by expire: breakage
  __int128 forfeited = 0;  // forfeited for abuse: breakage
  __int128 voided = 0;     // taken back by void_grant (free credits only)
  __int128 refunded = 0;   // left by an approved refund
  __int128 charged_back = 0;  // clawed back by a chargeback
  // Owed as the events before `to` leave it, computed from the state those
  // events build, not from the flows above.
  __int128 closing = 0;
  // Cash units only, outside the identity: the part of `refunded` (cost
  // basis) that was not paid back. A refund pays floor(amount_minor * n /
  // granted) into REFUNDS_PAYABLE, which is the cost of its n credits or
  // one minor unit less; that unit stays in CUSTOMER_PREPAID. So
  // refunded - refund_rounding is the cash paid back over the period, the
  // figure of the journal (`trial-balance`'s REFUNDS_PAYABLE) and of the
  // customers' statements (`cash_refunded`). Zero for credit units.
  __int128 refund_rounding = 0;

  // What the flows say closing must be: opening + granted - used - expired
  // - forfeited - voided - refunded - charged_back (refund_rounding is a
  // part of refunded, not a flow of its own).
  __int128 expected_closing() const;
  bool adds_up() const { return expected_closing() == closing; }
};

struct LiabilityReport {
  int64_t from_us = 0;  // the period is from_us <= at < to_us
  int64_t to_us = 0;
  uint64_t events_read = 0;       // events of the log, to its head
  uint64_t events_in_period = 0;  // those dated in the period
  // Every unit, sorted by name; the four credit units are always there,
  // a currency once a purchase lot in it was granted before `to`.
  std::vector<LiabilityRow> units;
};

// The report of the ledger in `dir` for the events dated from_us <= at <
// to_us (microseconds since the epoch, UTC). Each event counts by its own
// `at`, wherever it sits in the log. Reads without writing (beside a live
// writer too) and never creates `dir`: NotFound when there is no ledger
// there. InvalidArgument when from_us > to_us; DataLoss when the log does
// not verify (ledger/verify.h) or an event does not fold into the state.
// The report is returned whether or not every unit adds up: check it with
// CheckLiabilityIdentity.
// The same, holding about `memory.budget_bytes` of state however long the
// log (ledger/audit_memory.h); the report is the same with any budget.
// InvalidArgument below kMinAuditMemoryBytes. A cluster node's folder is
// summed partition by partition with the default budget.
[[nodiscard]] absl::StatusOr<LiabilityReport> LiabilityReportFor(
    const std::string& dir, int64_t from_us, int64_t to_us,
    const AuditMemory& memory);
[[nodiscard]] absl::StatusOr<LiabilityReport> LiabilityReportFor(
    const std::string& dir, int64_t from_us, int64_t to_us);

// The report of a whole cluster for one period [from_us, to_us) from its
// partitions' reports of that period: every customer lives in exactly one
// partition, so rows are added unit by unit (units sorted by name) and
// events counted per partition (a set_policy, copied into every
// partition, counts once in each). LiabilityReportFor sums a node's folder
// with it, and so does a cluster node gathering reports from other nodes.
[[nodiscard]] LiabilityReport SumLiabilityReports(
    const std::vector<LiabilityReport>& reports, int64_t from_us, int64_t to_us);

// OK when every unit of `report` adds up (LiabilityRow::adds_up); otherwise
// Internal, naming each unit that does not with its expected and actual
// closing. A failure means the events' flows and the state they build
// disagree: a bug, or a log the rules did not write.
[[nodiscard]] absl::Status CheckLiabilityIdentity(
    const LiabilityReport& report);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_LIABILITY_H_
