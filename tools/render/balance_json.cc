#include "tools/render/balance_json.h"

#include "ledger/base/json_writer.h"
#include "ledger/time_util.h"

namespace ledger::render {
namespace {

void WriteLot(const LotBalance& lot, JsonWriter& w) {
  w.BeginObject();
  w.Key("lot_id").String(lot.lot_id);
  w.Key("source").String(v1::LotSource_Name(lot.source));
  w.Key("granted").Int(lot.granted);
  w.Key("remaining").Int(lot.remaining);
  w.Key("granted_at").String(FormatTimeUs(lot.granted_at_us));
  if (lot.expires_at_us.has_value()) {
    w.Key("expires_at").String(FormatTimeUs(*lot.expires_at_us));
  }
  // docs/contract.md section 11: each left out when it says nothing.
  if (!lot.applies_to.empty()) {
    w.Key("applies_to").BeginArray();
    for (v1::Category c : lot.applies_to) w.String(v1::Category_Name(c));
    w.EndArray();
  }
  if (lot.priority != kDefaultLotPriority) w.Key("priority").Int(lot.priority);
  if (lot.voided) w.Key("voided").Bool(true);
  w.EndObject();
}

// docs/contract.md section 12: each left out when empty.
void WriteAlertsAndTopUp(const Balance& balance, JsonWriter& w) {
  if (!balance.alerts.empty()) {
    w.Key("alerts").BeginArray();
    for (const AlertBalance& a : balance.alerts) {
      w.BeginObject();
      w.Key("code").String(a.code);
      w.Key("credits").Int(a.credits);
      w.Key("in_alert").Bool(a.in_alert);
      w.EndObject();
    }
    w.EndArray();
  }
  if (!balance.auto_top_up.has_value()) return;
  const AutoTopUpBalance& top_up = *balance.auto_top_up;
  w.Key("auto_top_up").BeginObject();
  if (top_up.below.has_value()) w.Key("below").Int(*top_up.below);
  if (top_up.target.has_value()) w.Key("target").Int(*top_up.target);
  if (top_up.pending.has_value()) {
    w.Key("pending").BeginObject();
    w.Key("request_id").String(top_up.pending->request_id);
    w.Key("credits").Int(top_up.pending->credits);
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

std::string BalanceJson(const Balance& balance) {
  JsonWriter w;
  w.BeginObject();
  w.Key("customer").String(balance.customer);
  w.Key("status").String(v1::CustomerStatus_Name(balance.status));
  w.Key("available").Int(balance.available);
  w.Key("held").Int(balance.held);
  w.Key("refund_pending").Int(balance.refund_pending);
  if (!balance.available_by_category.empty()) {
    w.Key("available_by_category").BeginObject();
    for (const CategoryCredits& c : balance.available_by_category) {
      w.Key(v1::Category_Name(c.category)).Int(c.credits);
    }
    w.EndObject();
  }
  w.Key("lots").BeginArray();
  for (const LotBalance& lot : balance.lots) WriteLot(lot, w);
  w.EndArray();
  w.Key("refundable").BeginObject();
  w.Key("credits").Int(balance.refundable_credits);
  w.Key("cash").BeginArray();
  // The ledger returns cash sorted by currency (docs/contract.md section 7);
  // printed as given.
  for (const CashAmount& cash : balance.refundable_cash) {
    w.BeginObject();
    w.Key("currency").String(cash.currency);
    w.Key("amount_minor").Int(cash.amount_minor);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  if (balance.subscription.has_value()) {
    const SubscriptionBalance& sub = *balance.subscription;
    w.Key("subscription").BeginObject();
    w.Key("plan").String(sub.plan);
    w.Key("period_end").String(FormatTimeUs(sub.period_end_us));
    w.Key("cancelled").Bool(sub.cancelled);
    w.EndObject();
  }
  WriteAlertsAndTopUp(balance, w);
  // Last, so the fields of docs/contract.md section 6 keep their order.
  w.Key("expiring").BeginArray();
  for (const ExpiringCredits& day : balance.expiring) {
    w.BeginObject();
    w.Key("date").String(day.date);
    w.Key("credits").Int(day.credits);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.str();
}

}  // namespace ledger::render
