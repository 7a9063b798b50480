#include "tools/ledgerd/http/proto_answers.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/time_util.h"

namespace ledger::http {
namespace {

absl::StatusOr<int64_t> TimeOf(const std::string& text, const char* what) {
  absl::StatusOr<int64_t> us = ParseTimeUs(text);
  if (!us.ok()) {
    return absl::DataLossError(absl::StrCat("a forwarded balance's ", what,
                                            " '", text, "' is not a time"));
  }
  return *us;
}

absl::StatusOr<LotBalance> FromLot(const v1::Lot& lot) {
  LotBalance out;
  out.lot_id = lot.lot_id();
  out.source = lot.source();
  out.granted = lot.granted();
  out.remaining = lot.remaining();
  ASSIGN_OR_RETURN(out.granted_at_us, TimeOf(lot.granted_at(), "granted_at"));
  if (!lot.expires_at().empty()) {
    ASSIGN_OR_RETURN(out.expires_at_us, TimeOf(lot.expires_at(), "expires_at"));
  }
  for (int c : lot.applies_to()) out.applies_to.push_back(static_cast<v1::Category>(c));
  if (lot.has_priority()) out.priority = lot.priority();
  out.voided = lot.voided();
  return out;
}

}  // namespace

SubmitResult FromResultProto(const v1::Result& result) {
  SubmitResult out;
  if (result.has_key()) out.key = result.key();
  if (result.status() == v1::Result::REJECTED) {
    out.outcome = Outcome::kRejected;
    out.code = result.code();
    out.message = result.message();
    return out;
  }
  out.outcome = result.duplicate() ? Outcome::kDuplicate : Outcome::kAccepted;
  out.seq = result.seq();
  if (result.has_available()) out.available = result.available();
  if (result.has_at()) {
    absl::StatusOr<int64_t> at = ParseTimeUs(result.at());
    if (at.ok()) out.at_us = *at;
  }
  for (const v1::ThresholdCrossed& a : result.alerts()) {
    out.alerts.push_back(AlertMove{a.code(), a.credits(), a.state()});
  }
  if (result.has_top_up()) {
    out.top_up = TopUpRequest{result.top_up().request_id(),
                              result.top_up().credits()};
  }
  return out;
}

absl::StatusOr<Balance> FromBalanceProto(const v1::Balance& balance) {
  Balance out;
  out.customer = balance.customer();
  out.status = balance.status();
  out.available = balance.available();
  out.held = balance.held();
  out.refund_pending = balance.refund_pending();
  for (const v1::Lot& lot : balance.lots()) {
    ASSIGN_OR_RETURN(LotBalance l, FromLot(lot));
    out.lots.push_back(std::move(l));
  }
  out.refundable_credits = balance.refundable().credits();
  for (const v1::CashAmount& c : balance.refundable().cash()) {
    out.refundable_cash.push_back(CashAmount{c.currency(), c.amount_minor()});
  }
  if (balance.has_subscription()) {
    SubscriptionBalance sub;
    sub.plan = balance.subscription().plan();
    ASSIGN_OR_RETURN(sub.period_end_us,
                     TimeOf(balance.subscription().period_end(), "period_end"));
    sub.cancelled = balance.subscription().cancelled();
    out.subscription = sub;
  }
  for (const v1::ExpiringCredits& e : balance.expiring()) {
    out.expiring.push_back(ExpiringCredits{e.date(), e.credits()});
  }
  // A protobuf map has no order: the library lists categories in the
  // enum's order.
  for (const auto& [name, credits] : balance.available_by_category()) {
    v1::Category category;
    if (!v1::Category_Parse(name, &category)) continue;
    out.available_by_category.push_back(CategoryCredits{category, credits});
  }
  std::sort(out.available_by_category.begin(), out.available_by_category.end(),
            [](const CategoryCredits& a, const CategoryCredits& b) {
              return a.category < b.category;
            });
  for (const v1::AlertThresholdState& a : balance.alerts()) {
    out.alerts.push_back(AlertBalance{a.code(), a.credits(), a.in_alert()});
  }
  if (balance.has_auto_top_up()) {
    AutoTopUpBalance top_up;
    const v1::AutoTopUp& t = balance.auto_top_up();
    if (t.has_below()) top_up.below = t.below();
    if (t.has_target()) top_up.target = t.target();
    if (t.has_pending()) {
      top_up.pending = PendingTopUp{t.pending().request_id(), t.pending().credits()};
    }
    out.auto_top_up = top_up;
  }
  return out;
}

}  // namespace ledger::http
