#include "tools/render/page_json.h"

#include "ledger/base/json_writer.h"
#include "ledger/time_util.h"

namespace ledger::render {
namespace {

void NextAfter(const std::optional<std::string>& next, JsonWriter& w) {
  w.Key("next_after");
  if (next.has_value()) {
    w.String(*next);
  } else {
    w.Null();
  }
}

}  // namespace

std::string CustomerPageJson(const CustomerPage& page, int64_t at_us) {
  JsonWriter w;
  w.BeginObject();
  w.Key("at").String(FormatTimeUs(at_us));
  w.Key("customers").BeginArray();
  for (const CustomerSummary& c : page.customers) {
    w.BeginObject();
    w.Key("customer").String(c.customer);
    w.Key("status").String(v1::CustomerStatus_Name(c.status));
    w.Key("available").Int(c.available);
    w.Key("promotional").Int(c.promotional);
    w.Key("scoped").Int(c.scoped);
    w.EndObject();
  }
  w.EndArray();
  NextAfter(page.next_after, w);
  w.EndObject();
  return w.str();
}

std::string PendingRefundPageJson(const PendingRefundPage& page) {
  JsonWriter w;
  w.BeginObject();
  w.Key("refunds").BeginArray();
  for (const PendingRefund& r : page.refunds) {
    w.BeginObject();
    w.Key("customer").String(r.customer);
    w.Key("refund_id").String(r.refund_id);
    w.Key("purchase_id").String(r.purchase_id);
    w.Key("credits").Int(r.credits);
    w.Key("cash").BeginObject();
    w.Key("currency").String(r.currency);
    w.Key("amount_minor").Int(r.cash_minor);
    w.EndObject();
    w.Key("requested_at").String(FormatTimeUs(r.requested_at_us));
    w.Key("window_ends_at").String(FormatTimeUs(r.window_ends_us));
    w.EndObject();
  }
  w.EndArray();
  NextAfter(page.next_after, w);
  w.EndObject();
  return w.str();
}

}  // namespace ledger::render
