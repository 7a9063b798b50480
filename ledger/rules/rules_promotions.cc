// Kind checks of docs/contract.md section 11: grant (a PROMOTIONAL lot),
// void_grant, and the scope and priority every granted lot may carry.
#include <algorithm>
#include <iterator>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/balance.h"
#include "ledger/base/check.h"
#include "ledger/rules/rules.h"
#include "ledger/time_util.h"
#include "projections/consumption_order.h"

namespace ledger::rules {
namespace {

// A lot a void_grant may take back: free credits only. A PURCHASE or
// SUBSCRIPTION lot was paid for, so it leaves by refund or chargeback,
// where the money moves with it.
bool Voidable(v1::LotSource source) {
  return source == v1::PROMOTIONAL || source == v1::COMPENSATION;
}

}  // namespace

void SetLotScope(const google::protobuf::RepeatedPtrField<std::string>& applies_to,
                 bool has_priority, int64_t priority, v1::LotState& lot) {
  // Validation allows 1-7 distinct names; all seven is every category, the
  // same lot as none, so it is stored as none.
  if (applies_to.size() < static_cast<int>(std::size(kAllCategories))) {
    std::vector<int> categories;
    for (const std::string& name : applies_to) {
      v1::Category c = v1::CATEGORY_UNSPECIFIED;
      LEDGER_CHECK(v1::Category_Parse(name, &c))
          << "category " << name << " passed validation but is no Category";
      categories.push_back(c);
    }
    std::sort(categories.begin(), categories.end());
    for (int c : categories) lot.add_applies_to(static_cast<v1::Category>(c));
  }
  // Absent means the default, and a lot of the default priority is stored
  // without one, so lots of ledgers written before priorities existed and
  // new ones of priority 50 are the same bytes (docs/storage.md).
  if (has_priority && priority != kDefaultLotPriority) {
    lot.set_priority(static_cast<int32_t>(priority));
  }
}

Decision Grant(const Context& ctx, Effects& effects) {
  const v1::Grant& k = ctx.command.grant();
  if (auto d = DuplicateLot(ctx.customer, k.grant_id())) return *d;
  if (auto d = LimitExceeded(ctx.customer, k.credits())) return *d;
  std::optional<int64_t> expires_at_us;
  if (k.has_expires_at()) {
    absl::StatusOr<int64_t> us = ParseTimeUs(k.expires_at());
    LEDGER_CHECK(us.ok()) << "a validated time does not parse: " << us.status();
    expires_at_us = *us;
  }
  // Cost basis 0 and no currency: nothing was paid, nothing is refundable.
  v1::LotState& lot = AddGrant(
      ctx, LotGrant{k.grant_id(), v1::PROMOTIONAL, k.credits(), expires_at_us, 0, "", ""},
      effects);
  SetLotScope(k, lot);
  return Accept();
}

Decision VoidGrant(const Context& ctx, Effects& effects) {
  const v1::VoidGrant& k = ctx.command.void_grant();
  const v1::LotState* lot = ctx.customer.FindLot(k.lot_id());
  if (lot == nullptr) {
    return Reject(v1::UNKNOWN_LOT, absl::StrCat(Who(ctx), " has no lot ", k.lot_id()));
  }
  if (!Voidable(lot->source())) {
    return Reject(v1::NOT_VOIDABLE,
                  absl::StrCat("lot ", k.lot_id(), " of ", Who(ctx), " is a ",
                               v1::LotSource_Name(lot->source()),
                               " lot: only PROMOTIONAL and COMPENSATION lots are "
                               "voided; paid credits leave by refund or chargeback"));
  }
  if (LotExpiredAt(*lot, ctx.at_us)) {
    return Reject(v1::LOT_EXPIRED,
                  absl::StrCat("lot ", k.lot_id(), " of ", Who(ctx),
                               lot->voided() ? " was voided " : " expired ",
                               FormatTimeUs(lot->expires_at_us()), ", void at ",
                               FormatTimeUs(ctx.at_us)));
  }
  v1::LotVoided& v = *effects.Add()->mutable_lot_voided();
  v.set_lot_id(lot->lot_id());
  v.set_credits(lot->remaining());
  // The lot is not expired at `at`, so its expiry (if any) is later: the
  // void brings it forward to `at`, and credits a pending hold returns to
  // the lot later leave with the next `expire`.
  v.set_expires_at_us(ctx.at_us);
  v.set_reason(k.reason());
  return Accept();
}

}  // namespace ledger::rules
