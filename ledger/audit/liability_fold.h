// The fold behind the liability report (ledger/liability.h): events in, in
// log order; rows out. Internal: LiabilityReportFor feeds it a verified log,
// tests feed it events as a live ledger commits them.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_LIABILITY_FOLD_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_LIABILITY_FOLD_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/audit/spilled_usages.h"
#include "ledger/audit_memory.h"
#include "ledger/liability.h"
#include "ledger/v1/event.pb.h"
#include "projections/ledger_state.h"

namespace ledger {

// Two independent views of the same events, so that the report's identity
// is a real check:
// - the flows: each effect that grants credits or lets them leave for good,
//   attributed to its lot's source and, for purchase lots, valued in cash.
//   Events before `from` fold into `opening`, those in the period into the
//   columns;
// - the state: the events before `to` applied by projections/apply.cc, the
//   fold the ledger itself runs, from which `closing` is read (remaining of
//   each lot, plus what sits in its pending holds and refunds).
class LiabilityFold {
 public:
  // REQUIRES: from_us <= to_us. With `memory`, the usages past its budget
  // go to a scratch database (ledger/audit/spilled_usages.h); without, all
  // are held (a live ledger's tests fold a few events).
  LiabilityFold(int64_t from_us, int64_t to_us,
                const AuditMemory* memory = nullptr);

  // How many events the caller will add, when it knows: sizes the filter
  // of spilled usages once. Before the first Add.
  void ExpectEvents(uint64_t events);

  // Adds the next event of the log (seqs increasing). Events dated at or
  // after `to` only count as read. DataLoss when the event does not apply to
  // the state (an unknown lot, a lot going negative, ...); the fold must
  // then be discarded.
  [[nodiscard]] absl::Status Add(const v1::Event& event);

  // The report as the events added so far leave it. DataLoss when the
  // state owes a lot more credits than it was granted, or fewer than none.
  [[nodiscard]] absl::StatusOr<LiabilityReport> Report() const;

 private:
  enum class Column {
    kGranted,
    kUsed,
    kExpired,
    kForfeited,
    kVoided,
    kRefunded,
    kChargedBack,
    kRefundRounding,  // a part of kRefunded: moves neither opening nor closing
  };

  absl::Status AddFlows(const v1::Event& event, bool in_period);
  void Grant(const v1::LotState& lot, bool in_period);
  // *cash_value, when not null, gets the cash value of the credits (0 for
  // a lot that is not a purchase).
  absl::Status Leave(const std::string& customer, const std::string& lot_id,
                     int64_t credits, Column column, bool in_period,
                     __int128* cash_value = nullptr);
  void Record(const std::string& unit, Column column, __int128 amount,
              bool in_period);
  absl::Status AddClosing(const CustomerState& customer,
                          std::map<std::string, LiabilityRow>& rows) const;

  int64_t from_us_;
  int64_t to_us_;
  uint64_t events_read_ = 0;
  uint64_t events_in_period_ = 0;
  LedgerState state_;  // the events dated before to_us_
  // The state's usages past the budget; unset without one.
  std::optional<SpilledUsages> usages_;
  TouchedEntities touched_;  // Add's scratch, for usages_
  // Per purchase lot (customer '\0' lot_id): the credits that have left it
  // for good, the `c` of the cash formula.
  absl::flat_hash_map<std::string, int64_t> lost_;
  std::map<std::string, LiabilityRow> rows_;  // by unit; closing unset
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_LIABILITY_FOLD_H_
