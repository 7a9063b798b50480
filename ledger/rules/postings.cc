#include "ledger/rules/postings.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "ledger/base/check.h"

namespace ledger {
namespace {

using Postings = google::protobuf::RepeatedPtrField<v1::Posting>;

// Accumulates postings of one event, merged per (account, unit). Events have
// a handful of distinct pairs, so a linear search beats a map.
class Journal {
 public:
  // Dr `debit` / Cr `credit` by `amount` in `unit`.
  void Move(v1::Account debit, v1::Account credit, const std::string& unit,
            int64_t amount) {
    LEDGER_CHECK(amount >= 0) << "negative move of " << amount << " " << unit;
    if (amount == 0) return;
    Add(debit, unit, amount);
    Add(credit, unit, -amount);
  }
  void Credits(v1::Account debit, v1::Account credit, int64_t n) {
    Move(debit, credit, kCreditsUnit, n);
  }
  Postings Take() {
    Postings out;
    for (v1::Posting& p : postings_) {
      if (p.amount() != 0) *out.Add() = std::move(p);
    }
    return out;
  }

 private:
  void Add(v1::Account account, const std::string& unit, int64_t amount) {
    for (v1::Posting& p : postings_) {
      if (p.account() == account && p.unit() == unit) {
        p.set_amount(p.amount() + amount);
        return;
      }
    }
    v1::Posting& p = postings_.emplace_back();
    p.set_account(account);
    p.set_unit(unit);
    p.set_amount(amount);
  }
  std::vector<v1::Posting> postings_;
};

int64_t Sum(const google::protobuf::RepeatedPtrField<v1::Draw>& draws) {
  int64_t total = 0;
  for (const v1::Draw& d : draws) total += d.credits();
  return total;
}

void PostGrant(const v1::LotState& lot, Journal& j) {
  switch (lot.source()) {
    case v1::COMPENSATION:
      j.Credits(v1::CREDITS_COMPENSATION, v1::CUSTOMER_LOTS, lot.granted());
      return;
    case v1::PROMOTIONAL:  // free: no money moves
      j.Credits(v1::CREDITS_PROMOTIONAL, v1::CUSTOMER_LOTS, lot.granted());
      return;
    case v1::SUBSCRIPTION:
      j.Credits(v1::CREDITS_SOLD, v1::CUSTOMER_LOTS, lot.granted());
      j.Move(v1::CASH, v1::SUBSCRIPTION_REVENUE, lot.currency(), lot.amount_minor());
      return;
    default:
      j.Credits(v1::CREDITS_SOLD, v1::CUSTOMER_LOTS, lot.granted());
      j.Move(v1::CASH, v1::CUSTOMER_PREPAID, lot.currency(), lot.amount_minor());
      return;
  }
}

void PostCapture(const v1::HoldCaptured& c, Journal& j) {
  int64_t spent = Sum(c.spent());
  int64_t returned = Sum(c.returned());
  // The whole hold leaves CUSTOMER_HELD: spent + returned == hold credits.
  j.Credits(v1::CUSTOMER_HELD, v1::CREDITS_CONSUMED, spent);
  j.Credits(v1::CUSTOMER_HELD, v1::CUSTOMER_LOTS, returned);
}

void Post(const v1::Effect& e, Journal& j) {
  switch (e.kind_case()) {
    case v1::Effect::kLotGranted:
      return PostGrant(e.lot_granted().lot(), j);
    case v1::Effect::kUsageRecorded:
      return j.Credits(v1::CUSTOMER_LOTS, v1::CREDITS_CONSUMED,
                       Sum(e.usage_recorded().draws()));
    case v1::Effect::kHoldPlaced:
      return j.Credits(v1::CUSTOMER_LOTS, v1::CUSTOMER_HELD,
                       e.hold_placed().hold().credits());
    case v1::Effect::kHoldCaptured:
      return PostCapture(e.hold_captured(), j);
    case v1::Effect::kHoldReleased:
      return j.Credits(v1::CUSTOMER_HELD, v1::CUSTOMER_LOTS,
                       Sum(e.hold_released().returned()));
    case v1::Effect::kRefundRequested:
      return j.Credits(v1::CUSTOMER_LOTS, v1::CUSTOMER_REFUND_PENDING,
                       e.refund_requested().refund().credits());
    case v1::Effect::kRefundApproved: {
      const v1::RefundApproved& a = e.refund_approved();
      j.Credits(v1::CUSTOMER_REFUND_PENDING, v1::CREDITS_REFUNDED, a.credits());
      return j.Move(v1::CUSTOMER_PREPAID, v1::REFUNDS_PAYABLE, a.currency(),
                    a.cash_minor());
    }
    case v1::Effect::kRefundDenied:
      return j.Credits(v1::CUSTOMER_REFUND_PENDING, v1::CUSTOMER_LOTS,
                       e.refund_denied().credits());
    case v1::Effect::kLotExpired:
      return j.Credits(v1::CUSTOMER_LOTS, v1::CREDITS_EXPIRED, e.lot_expired().credits());
    case v1::Effect::kLotForfeited:
      return j.Credits(v1::CUSTOMER_LOTS, v1::CREDITS_FORFEITED,
                       e.lot_forfeited().credits());
    case v1::Effect::kLotChargedBack: {
      const v1::LotChargedBack& cb = e.lot_charged_back();
      j.Credits(v1::CUSTOMER_LOTS, v1::CREDITS_CLAWED_BACK, cb.credits());
      return j.Move(v1::CHARGEBACK_LOSSES, v1::CASH, cb.currency(), cb.amount_minor());
    }
    case v1::Effect::kLotVoided:
      return j.Credits(v1::CUSTOMER_LOTS, v1::CREDITS_VOIDED, e.lot_voided().credits());
    default:
      return;  // status, subscription and policy changes move nothing
  }
}

}  // namespace

Postings PostingsFor(const google::protobuf::RepeatedPtrField<v1::Effect>& effects) {
  Journal journal;
  for (const v1::Effect& e : effects) Post(e, journal);
  Postings postings = journal.Take();
  // Checked before the event reaches a WriteBatch: an unbalanced entry in
  // the append-only log could never be taken back.
  std::optional<std::string_view> unbalanced = FirstUnbalancedUnit(postings);
  LEDGER_CHECK(!unbalanced.has_value())
      << "the journal entry made from " << effects.size()
      << " effects does not balance in " << *unbalanced;
  return postings;
}

// An entry touches one or two units, so a linear search of a small inline
// vector beats a map (and allocates nothing).
std::optional<std::string_view> FirstUnbalancedUnit(const Postings& postings) {
  absl::InlinedVector<std::pair<std::string_view, __int128>, 4> by_unit;
  for (const v1::Posting& p : postings) {
    auto it = std::find_if(by_unit.begin(), by_unit.end(),
                           [&](const auto& u) { return u.first == p.unit(); });
    if (it == by_unit.end()) {
      by_unit.emplace_back(p.unit(), p.amount());
    } else {
      it->second += p.amount();
    }
  }
  for (const auto& [unit, sum] : by_unit) {
    if (sum != 0) return unit;
  }
  return std::nullopt;
}

}  // namespace ledger
