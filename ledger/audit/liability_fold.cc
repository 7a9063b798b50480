#include "ledger/audit/liability_fold.h"

#include <algorithm>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/base/status_macros.h"
#include "projections/apply.h"

namespace ledger {
namespace {

constexpr v1::LotSource kSources[] = {v1::PURCHASE, v1::SUBSCRIPTION,
                                      v1::COMPENSATION, v1::PROMOTIONAL};

std::string CreditsUnit(v1::LotSource source) {
  return absl::StrCat("CREDITS:", v1::LotSource_Name(source));
}

std::string LotKey(const std::string& customer, const std::string& lot_id) {
  std::string key = customer;
  key.push_back('\0');  // ids never hold NUL
  return key + lot_id;
}

// floor(amount_minor * lost / granted): the cost of the credits a lot has
// lost. Every operand is non-negative, so truncation is the floor; the
// product needs 128 bits (10^15 * 10^15).
__int128 CostOfLost(int64_t amount_minor, int64_t lost, int64_t granted) {
  return static_cast<__int128>(amount_minor) * lost / granted;
}

absl::Status Broken(const std::string& customer, const std::string& what) {
  return absl::DataLossError(
      absl::StrCat("liability of customer ", customer, ": ", what));
}

}  // namespace

LiabilityFold::LiabilityFold(int64_t from_us, int64_t to_us,
                             const AuditMemory* memory)
    : from_us_(from_us), to_us_(to_us) {
  LEDGER_CHECK(from_us <= to_us) << from_us << " > " << to_us;
  if (memory != nullptr) {
    // A quarter of the budget for held usages (about 512 bytes each), an
    // eighth for the filter of the spilled ones (its bits grew with the
    // history until they were bounded), a quarter for the scratch
    // database; the rest is the customers. The filter had a quarter: at
    // ten million events with a 32 MiB budget it then held 8 MiB where a
    // million events' took 1.5, most of the report's growth between the
    // two, to answer 4% of new ids "maybe" instead of about a fifth, each
    // one lookup in the scratch database (docs/benchmarks.md, "The
    // liability report's spill filter at an eighth of the budget").
    usages_.emplace(memory->scratch_parent, memory->budget_bytes / 4,
                    std::max<size_t>(1, memory->budget_bytes / 4 / 512));
    usages_->BoundFilter(memory->budget_bytes / 8);
  }
}

void LiabilityFold::ExpectEvents(uint64_t events) {
  // Each event adds at most one usage: the filter of spilled usages is
  // made once for all of them (under its bound), not grown by doubling.
  if (usages_.has_value()) usages_->ExpectSpills(events);
}

absl::Status LiabilityFold::Add(const v1::Event& event) {
  ++events_read_;
  const int64_t at_us = event.header().at_us();
  if (at_us >= to_us_) return absl::OkStatus();
  const bool in_period = at_us >= from_us_;
  if (in_period) ++events_in_period_;
  // The events dated before `to` are a prefix of each customer's events (a
  // customer's commands are accepted in time order) but not of the log, so
  // their seqs have gaps here; ApplyEvent's check that each seq follows the
  // last is the verifier's job on this path (VerifyStore), not the fold's.
  state_.last_seq = event.header().seq() - 1;
  if (!usages_.has_value()) {
    RETURN_IF_ERROR(ApplyEvent(event, state_, nullptr));
    return AddFlows(event, in_period);
  }
  // The usage the command names comes back first, as the writer fetches it
  // (AddFlows and the closing read lots, holds and refunds only).
  RETURN_IF_ERROR(usages_->Fetch(event.command(), state_));
  touched_ = TouchedEntities();
  RETURN_IF_ERROR(ApplyEvent(event, state_, &touched_));
  RETURN_IF_ERROR(usages_->Note(touched_, state_));
  return AddFlows(event, in_period);
}

// Only the effects that grant credits or let them leave for good move the
// liability. Holds, releases, refund requests and denials move credits
// between the customer's own accounts: they are still owed.
absl::Status LiabilityFold::AddFlows(const v1::Event& event, bool in_period) {
  const std::string& customer = event.header().customer();
  for (const v1::Effect& e : event.effects()) {
    switch (e.kind_case()) {
      case v1::Effect::kLotGranted:
        Grant(e.lot_granted().lot(), in_period);
        break;
      case v1::Effect::kUsageRecorded:
        for (const v1::Draw& d : e.usage_recorded().draws()) {
          RETURN_IF_ERROR(Leave(customer, d.lot_id(), d.credits(),
                                Column::kUsed, in_period));
        }
        break;
      case v1::Effect::kHoldCaptured:
        for (const v1::Draw& d : e.hold_captured().spent()) {
          RETURN_IF_ERROR(Leave(customer, d.lot_id(), d.credits(),
                                Column::kUsed, in_period));
        }
        break;
      case v1::Effect::kRefundApproved: {
        // The event names the refund; the lot is the one it froze.
        const v1::RefundState* refund =
            state_.FindCustomer(customer)->FindRefund(
                e.refund_approved().refund_id());
        LEDGER_CHECK(refund != nullptr) << "applied, yet no refund";
        __int128 cost = 0;
        RETURN_IF_ERROR(Leave(customer, refund->lot_id(),
                              e.refund_approved().credits(), Column::kRefunded,
                              in_period, &cost));
        // The refund pays floor(amount * n / g), the report counts the
        // credits at cost: both are shown, the difference in a row of its
        // own (ledger/liability.h), so the report reconciles with the
        // journal's REFUNDS_PAYABLE.
        const __int128 rounding = cost - e.refund_approved().cash_minor();
        if (cost > 0 && (rounding < 0 || rounding > 1)) {
          return Broken(customer,
                        absl::StrCat("refund ", e.refund_approved().refund_id(),
                                     " pays ", e.refund_approved().cash_minor(),
                                     " for credits whose cost is ",
                                     static_cast<int64_t>(cost)));
        }
        if (cost > 0) {
          Record(e.refund_approved().currency(), Column::kRefundRounding,
                 rounding, in_period);
        }
        break;
      }
      case v1::Effect::kLotExpired:
        RETURN_IF_ERROR(Leave(customer, e.lot_expired().lot_id(),
                              e.lot_expired().credits(), Column::kExpired,
                              in_period));
        break;
      case v1::Effect::kLotForfeited:
        RETURN_IF_ERROR(Leave(customer, e.lot_forfeited().lot_id(),
                              e.lot_forfeited().credits(), Column::kForfeited,
                              in_period));
        break;
      case v1::Effect::kLotVoided:
        RETURN_IF_ERROR(Leave(customer, e.lot_voided().lot_id(),
                              e.lot_voided().credits(), Column::kVoided,
                              in_period));
        break;
      case v1::Effect::kLotChargedBack:
        RETURN_IF_ERROR(Leave(customer, e.lot_charged_back().lot_id(),
                              e.lot_charged_back().credits(),
                              Column::kChargedBack, in_period));
        break;
      default:
        break;
    }
  }
  return absl::OkStatus();
}

void LiabilityFold::Grant(const v1::LotState& lot, bool in_period) {
  Record(CreditsUnit(lot.source()), Column::kGranted, lot.granted(), in_period);
  if (lot.source() == v1::PURCHASE) {
    Record(lot.currency(), Column::kGranted, lot.amount_minor(), in_period);
  }
}

// x credits leave the lot for good. For a purchase lot that has lost c
// already, their cash value is floor(a*(c+x)/g) - floor(a*c/g): the values
// telescope, so whatever the draws, a lot's flows add up to its cost.
absl::Status LiabilityFold::Leave(const std::string& customer,
                                  const std::string& lot_id, int64_t credits,
                                  Column column, bool in_period,
                                  __int128* cash_value) {
  if (cash_value != nullptr) *cash_value = 0;
  // Nothing leaves, e.g. on a chargeback of an expired lot.
  if (credits == 0) return absl::OkStatus();
  const v1::LotState* lot = state_.FindCustomer(customer)->FindLot(lot_id);
  LEDGER_CHECK(lot != nullptr) << "applied, yet no lot " << lot_id;
  Record(CreditsUnit(lot->source()), column, credits, in_period);
  if (lot->source() != v1::PURCHASE) return absl::OkStatus();
  int64_t& lost = lost_[LotKey(customer, lot_id)];
  if (credits < 0 || credits > lot->granted() - lost) {
    return Broken(customer, absl::StrCat(credits, " credits cannot leave lot ",
                                         lot_id, ", which has lost ", lost,
                                         " of ", lot->granted()));
  }
  const int64_t a = lot->amount_minor();
  const __int128 value = CostOfLost(a, lost + credits, lot->granted()) -
                         CostOfLost(a, lost, lot->granted());
  lost += credits;
  if (cash_value != nullptr) *cash_value = value;
  Record(lot->currency(), column, value, in_period);
  return absl::OkStatus();
}

// Before the period a flow only moves the opening balance.
void LiabilityFold::Record(const std::string& unit, Column column,
                           __int128 amount, bool in_period) {
  LiabilityRow& row = rows_[unit];
  // Not a flow: before the period it leaves the opening as it is.
  if (column == Column::kRefundRounding && !in_period) return;
  if (!in_period) {
    row.opening += column == Column::kGranted ? amount : -amount;
    return;
  }
  switch (column) {
    case Column::kGranted:
      row.granted += amount;
      break;
    case Column::kUsed:
      row.used += amount;
      break;
    case Column::kExpired:
      row.expired += amount;
      break;
    case Column::kForfeited:
      row.forfeited += amount;
      break;
    case Column::kVoided:
      row.voided += amount;
      break;
    case Column::kRefunded:
      row.refunded += amount;
      break;
    case Column::kChargedBack:
      row.charged_back += amount;
      break;
    case Column::kRefundRounding:
      row.refund_rounding += amount;
      break;
  }
}

// What the state says each lot still owes: its remaining, plus what sits in its
// customer's pending holds and pending refunds (docs/contract.md section 8).
absl::Status LiabilityFold::AddClosing(
    const CustomerState& customer,
    std::map<std::string, LiabilityRow>& rows) const {
  std::vector<int64_t> owed;
  owed.reserve(customer.lots.size());
  for (const v1::LotState& lot : customer.lots) owed.push_back(lot.remaining());
  for (const auto& [id, hold] : customer.holds) {
    if (hold.status() != v1::HOLD_PENDING) continue;
    for (const v1::Draw& d : hold.portions()) {
      owed[customer.lot_index.at(d.lot_id())] += d.credits();
    }
  }
  for (const auto& [id, refund] : customer.refunds) {
    if (refund.status() != v1::REFUND_PENDING) continue;
    owed[customer.lot_index.at(refund.lot_id())] += refund.credits();
  }
  const std::string& name = customer.header.customer();
  for (size_t i = 0; i < owed.size(); ++i) {
    const v1::LotState& lot = customer.lots[i];
    if (owed[i] < 0 || owed[i] > lot.granted()) {
      return Broken(name, absl::StrCat("lot ", lot.lot_id(), " owes ", owed[i],
                                       " of ", lot.granted(), " credits"));
    }
    rows[CreditsUnit(lot.source())].closing += owed[i];
    if (lot.source() == v1::PURCHASE) {
      rows[lot.currency()].closing +=
          lot.amount_minor() - CostOfLost(lot.amount_minor(),
                                          lot.granted() - owed[i],
                                          lot.granted());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<LiabilityReport> LiabilityFold::Report() const {
  std::map<std::string, LiabilityRow> rows = rows_;
  for (v1::LotSource source : kSources) rows[CreditsUnit(source)];
  for (const auto& [id, customer] : state_.customers) {
    RETURN_IF_ERROR(AddClosing(customer, rows));
  }
  LiabilityReport report;
  report.from_us = from_us_;
  report.to_us = to_us_;
  report.events_read = events_read_;
  report.events_in_period = events_in_period_;
  for (auto& [unit, row] : rows) {  // std::map: sorted by name
    row.unit = unit;
    report.units.push_back(std::move(row));
  }
  return report;
}

}  // namespace ledger
