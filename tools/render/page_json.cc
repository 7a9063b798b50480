#include "tools/render/page_json.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "ledger/base/json_writer.h"
#include "ledger/export.h"
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

std::string CustomerEventPageJson(const CustomerEventPage& page) {
  // Each export line is already one JSON object: spliced in as it is, so
  // the page and `ledgerctl export` cannot differ by a byte.
  std::string out = "{\"events\":[";
  for (size_t i = 0; i < page.events.size(); ++i) {
    std::string line = ExportCustomerEvent(page.events[i], ExportFormat::kJsonl);
    std::string_view object(line);
    while (!object.empty() && object.back() == '\n') object.remove_suffix(1);
    if (i > 0) out.push_back(',');
    out.append(object);
  }
  out.append("],\"next_from_seq\":");
  out.append(page.next_from_seq.has_value()
                 ? absl::StrCat(*page.next_from_seq)
                 : std::string("null"));
  out.push_back('}');
  return out;
}

}  // namespace ledger::render
