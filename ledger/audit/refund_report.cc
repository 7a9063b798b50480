#include "ledger/refunds.h"

#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ledger/audit/verify_store.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/store.h"
#include "projections/ledger_state.h"

namespace ledger {
namespace {

constexpr int64_t kMicrosPerHour = int64_t{3600} * 1000 * 1000;

// Gathers the rows from the events in log order.
class RefundFold {
 public:
  void Add(const v1::Event& event) {
    const v1::EventHeader& h = event.header();
    for (const v1::Effect& effect : event.effects()) {
      switch (effect.kind_case()) {
        case v1::Effect::kLotGranted:
          granted_at_[LotKey(h.customer(), effect.lot_granted().lot().lot_id())] =
              effect.lot_granted().lot();
          break;
        case v1::Effect::kPolicySet:
          policies_.Add(effect.policy_set().policy());
          break;
        case v1::Effect::kRefundRequested:
          Requested(event, effect.refund_requested().refund());
          break;
        case v1::Effect::kRefundApproved: {
          RefundRow* row = Find(h.customer(), effect.refund_approved().refund_id());
          if (row == nullptr) break;
          Decided(event, row, v1::REFUND_APPROVED);
          row->cash_minor = effect.refund_approved().cash_minor();
          row->currency = effect.refund_approved().currency();
          break;
        }
        case v1::Effect::kRefundDenied: {
          RefundRow* row = Find(h.customer(), effect.refund_denied().refund_id());
          if (row == nullptr) break;
          Decided(event, row, v1::REFUND_DENIED);
          row->deny_cause = effect.refund_denied().cause();
          row->deny_reason = effect.refund_denied().reason();
          break;
        }
        default:
          break;
      }
    }
    if (event.command().has_compensate()) {
      const v1::Compensate& c = event.command().compensate();
      CompensationRow row;
      row.customer = h.customer();
      row.adjustment_id = c.adjustment_id();
      row.usage_id = c.usage_id();
      row.credits = c.credits();
      row.verified_by = c.verified_by();
      row.actor = EventActor(event);
      row.seq = h.seq();
      row.at_us = h.at_us();
      compensations_.push_back(std::move(row));
    }
  }

  RefundReport Report(const RefundFilter& filter) && {
    auto in_period = [&](int64_t at_us) {
      return (!filter.from_us || at_us >= *filter.from_us) &&
             (!filter.to_us || at_us < *filter.to_us);
    };
    RefundReport report;
    for (RefundRow& row : refunds_) {
      if (filter.state && row.state != *filter.state) continue;
      if (!in_period(row.requested_at_us)) continue;
      report.refunds.push_back(std::move(row));
    }
    for (CompensationRow& row : compensations_) {
      if (in_period(row.at_us)) report.compensations.push_back(std::move(row));
    }
    return report;
  }

 private:
  static std::string LotKey(const std::string& customer, const std::string& id) {
    return absl::StrCat(customer.size(), ":", customer, id);
  }

  void Requested(const v1::Event& event, const v1::RefundState& refund) {
    const v1::EventHeader& h = event.header();
    RefundRow row;
    row.customer = h.customer();
    row.refund_id = refund.refund_id();
    row.purchase_id = refund.lot_id();
    row.state = v1::REFUND_PENDING;
    row.requested_seq = h.seq();
    row.requested_at_us = h.at_us();
    row.requester = EventActor(event);
    row.policy_version = h.policy_version();
    row.window_hours = policies_.InForceAt(h.at_us()).refund_window_hours();
    row.credits = refund.credits();
    if (auto lot = granted_at_.find(LotKey(h.customer(), refund.lot_id()));
        lot != granted_at_.end()) {
      row.window_ends_us = lot->second.granted_at_us() + row.window_hours * kMicrosPerHour;
      row.currency = lot->second.currency();
    }
    index_[LotKey(h.customer(), refund.refund_id())] = refunds_.size();
    refunds_.push_back(std::move(row));
  }

  void Decided(const v1::Event& event, RefundRow* row, v1::RefundStatus state) {
    row->state = state;
    row->decided_seq = event.header().seq();
    row->decided_at_us = event.header().at_us();
    row->reviewer = EventActor(event);
  }

  RefundRow* Find(const std::string& customer, const std::string& refund_id) {
    auto it = index_.find(LotKey(customer, refund_id));
    return it == index_.end() ? nullptr : &refunds_[it->second];
  }

  PolicyBook policies_;
  absl::flat_hash_map<std::string, v1::LotState> granted_at_;
  absl::flat_hash_map<std::string, size_t> index_;  // customer+refund -> row
  std::vector<RefundRow> refunds_;
  std::vector<CompensationRow> compensations_;
};

}  // namespace

std::string EventActor(const v1::Event& event) {
  return event.header().actor();
}

absl::StatusOr<RefundReport> RefundReportFor(const std::string& dir,
                                             const RefundFilter& filter) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  RefundFold fold;
  ASSIGN_OR_RETURN(VerifyReport verified,
                   VerifyStore(*store, VerifyOptions(),
                               [&](const v1::Event& event) { fold.Add(event); }));
  if (!verified.ok) {
    // Rows of a log that fails its chain prove nothing.
    return absl::DataLossError(
        absl::StrCat("the log does not verify: ", verified.problem));
  }
  return std::move(fold).Report(filter);
}

}  // namespace ledger
