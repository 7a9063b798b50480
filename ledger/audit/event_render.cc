#include "ledger/audit/event_render.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "ledger/time_util.h"

namespace ledger {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void WriteField(const Message& m, const FieldDescriptor* f, int index,
                JsonWriter& w);

// A map<string, string> (a command's metadata) as one JSON object, keys
// sorted: the stored order of map entries is not part of the content.
void WriteMap(const Message& m, const FieldDescriptor* f, JsonWriter& w) {
  const Reflection* r = m.GetReflection();
  const FieldDescriptor* key = f->message_type()->map_key();
  const FieldDescriptor* value = f->message_type()->map_value();
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < r->FieldSize(m, f); ++i) {
    const Message& entry = r->GetRepeatedMessage(m, f, i);
    entries.emplace_back(entry.GetReflection()->GetString(entry, key),
                         entry.GetReflection()->GetString(entry, value));
  }
  std::sort(entries.begin(), entries.end());
  w.BeginObject();
  for (const auto& [k, v] : entries) w.Key(k).String(v);
  w.EndObject();
}

// Commands hold optional scalars, sub-messages and one map, but the walk is
// generic so a field added to command.proto is exported without a change
// here.
void WriteMessage(const Message& m, JsonWriter& w) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);  // the fields that are set, by number
  w.BeginObject();
  for (const FieldDescriptor* f : fields) {
    w.Key(f->name());
    if (f->is_map()) {
      WriteMap(m, f, w);
    } else if (f->is_repeated()) {
      w.BeginArray();
      for (int i = 0; i < r->FieldSize(m, f); ++i) WriteField(m, f, i, w);
      w.EndArray();
    } else {
      WriteField(m, f, -1, w);
    }
  }
  w.EndObject();
}

void WriteField(const Message& m, const FieldDescriptor* f, int index,
                JsonWriter& w) {
  const Reflection* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      w.String(rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      w.Int(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      w.Int(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      w.Uint(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      w.Uint(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      w.Bool(rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f));
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      w.String(rep ? r->GetRepeatedEnum(m, f, index)->name()
                   : r->GetEnum(m, f)->name());
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      WriteMessage(rep ? r->GetRepeatedMessage(m, f, index)
                       : r->GetMessage(m, f),
                   w);
      break;
    default:
      // Commands have no floating point fields; never silently drop one.
      w.String("<unsupported field type>");
      break;
  }
}

int CurrencyExponent(std::string_view currency) {
  for (std::string_view c : {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF",
                             "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
                             "XAF", "XOF", "XPF"}) {
    if (c == currency) return 0;
  }
  for (std::string_view c : {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}) {
    if (c == currency) return 3;
  }
  return 2;
}

std::string Credits(int64_t n) {
  return absl::StrCat(n, n == 1 ? " credit" : " credits");
}

// docs/contract.md section 12: the alerts and the top-up request a command
// caused, and a top-up it settled, as ", ..." clauses.
std::string FollowUpClauses(const v1::Event& event) {
  std::string out;
  for (const v1::Effect& e : event.effects()) {
    if (e.has_threshold_crossed()) {
      const v1::ThresholdCrossed& t = e.threshold_crossed();
      absl::StrAppend(&out, ", alert ", t.code(), " (", Credits(t.credits()), ") ",
                      t.state() == v1::TRIGGERED ? "triggered" : "resolved");
    } else if (e.has_top_up_requested()) {
      absl::StrAppend(&out, ", top-up ", e.top_up_requested().request_id(),
                      " requested for ", Credits(e.top_up_requested().credits()));
    } else if (e.has_top_up_completed()) {
      absl::StrAppend(&out, ", completes top-up ", e.top_up_completed().request_id());
    }
  }
  return out;
}

// What the side effects of a command moved, as ", ..." clauses: the parts a
// customer would not guess from the command alone.
std::string SideEffects(const v1::Event& event) {
  int64_t expired = 0, forfeited = 0, released = 0, denied = 0;
  int holds = 0, refunds = 0;
  std::string out;
  for (const v1::Effect& e : event.effects()) {
    if (e.has_lot_expired()) expired += e.lot_expired().credits();
    if (e.has_lot_forfeited()) forfeited += e.lot_forfeited().credits();
    if (e.has_hold_released() &&
        e.hold_released().cause() != v1::RELEASE_REQUESTED) {
      ++holds;
      for (const v1::Draw& d : e.hold_released().returned()) released += d.credits();
    }
    if (e.has_refund_denied() &&
        e.refund_denied().cause() != v1::DENY_REQUESTED) {
      ++refunds;
      denied += e.refund_denied().credits();
    }
    if (e.has_status_changed()) {
      const v1::StatusChanged& s = e.status_changed();
      absl::StrAppend(&out, ", status ", v1::CustomerStatus_Name(s.from()),
                      " -> ", v1::CustomerStatus_Name(s.to()), " (",
                      v1::StatusReason_Name(s.reason()), ")");
    }
    if (e.has_lot_charged_back()) {
      const v1::LotChargedBack& c = e.lot_charged_back();
      absl::StrAppend(&out, ", ", Credits(c.credits()), " of lot ", c.lot_id(),
                      " clawed back, ", FormatMoney(c.amount_minor(), c.currency()),
                      " charged back");
    }
  }
  if (holds > 0) {
    absl::StrAppend(&out, ", ", holds, holds == 1 ? " hold" : " holds",
                    " released (", Credits(released), " back)");
  }
  if (refunds > 0) {
    absl::StrAppend(&out, ", ", refunds,
                    refunds == 1 ? " pending refund" : " pending refunds",
                    " denied (", Credits(denied), " back)");
  }
  if (expired > 0) absl::StrAppend(&out, ", ", Credits(expired), " expired");
  if (forfeited > 0) absl::StrAppend(&out, ", ", Credits(forfeited), " forfeited");
  absl::StrAppend(&out, FollowUpClauses(event));
  return out;
}

std::string DescribeUse(std::string_view usage_id, std::string_view category,
                        int64_t credits) {
  return absl::StrCat("Used ", Credits(credits), " for ", std::string(category),
                      " (usage ", std::string(usage_id), ")");
}

// docs/contract.md section 11: ", for TELEPHONY_USAGE only, priority 10";
// empty for a lot of every category and the default priority.
std::string Scope(const google::protobuf::RepeatedPtrField<std::string>& applies_to,
                  bool has_priority, int64_t priority) {
  std::string out;
  if (!applies_to.empty()) {
    absl::StrAppend(&out, ", for ", absl::StrJoin(applies_to, " and "), " only");
  }
  if (has_priority) absl::StrAppend(&out, ", priority ", priority);
  return out;
}
template <typename Kind>
std::string ScopeOf(const Kind& k) {
  return Scope(k.applies_to(), k.has_priority(), k.priority());
}

// The lot a granting command makes, and what it cost.
std::string DescribeGrantedLot(const v1::Event& event) {
  const v1::Command& c = event.command();
  if (c.has_purchase()) {
    return absl::StrCat("Purchased ", Credits(c.purchase().credits()),
                        " (lot ", c.purchase().purchase_id(), ") for ",
                        FormatMoney(c.purchase().amount_minor(),
                                    c.purchase().currency()));
  }
  if (c.has_grant()) {
    return absl::StrCat("Granted ", Credits(c.grant().credits()), " free (lot ",
                        c.grant().grant_id(), ", ", c.grant().reason(), ")");
  }
  if (c.has_subscribe()) {
    return absl::StrCat("Subscribed to plan ", c.subscribe().plan(), ": ",
                        Credits(c.subscribe().credits()), " (period ",
                        c.subscribe().period_id(), ") for ",
                        FormatMoney(c.subscribe().amount_minor(),
                                    c.subscribe().currency()));
  }
  if (c.has_renew()) {
    // A renewal is charged in the subscription's currency, which the
    // command does not name; its CASH posting does.
    std::string currency;
    for (const v1::Posting& p : event.postings()) {
      if (p.account() == v1::CASH) currency = p.unit();
    }
    return absl::StrCat("Renewed the subscription: ",
                        Credits(c.renew().credits()), " (period ",
                        c.renew().period_id(), ") for ",
                        FormatMoney(c.renew().amount_minor(), currency));
  }
  return absl::StrCat("Compensated ", Credits(c.compensate().credits()),
                      " for usage ", c.compensate().usage_id(),
                      " (adjustment ", c.compensate().adjustment_id(),
                      ", verified by ", c.compensate().verified_by(), ")");
}

std::string ScopeOfGrant(const v1::Command& c) {
  switch (c.kind_case()) {
    case v1::Command::kPurchase: return ScopeOf(c.purchase());
    case v1::Command::kSubscribe: return ScopeOf(c.subscribe());
    case v1::Command::kRenew: return ScopeOf(c.renew());
    case v1::Command::kCompensate: return ScopeOf(c.compensate());
    case v1::Command::kGrant: return ScopeOf(c.grant());
    default: return "";
  }
}

// Sentences for the commands that grant credits: what they cost, and the
// lot's scope and priority when it has them.
std::string DescribeGrant(const v1::Event& event) {
  return absl::StrCat(DescribeGrantedLot(event), ScopeOfGrant(event.command()));
}

// Sentences for docs/contract.md section 11's void_grant: what it took back.
std::string DescribeVoid(const v1::Event& event) {
  const v1::VoidGrant& k = event.command().void_grant();
  std::string out = absl::StrCat("Voided lot ", k.lot_id(), " (", k.reason(), ")");
  for (const v1::Effect& e : event.effects()) {
    if (e.has_lot_voided()) {
      absl::StrAppend(&out, ": ", Credits(e.lot_voided().credits()), " taken back");
    }
  }
  return out;
}

// Sentences for the commands that spend or reserve credits.
std::string DescribeSpending(const v1::Command& c) {
  if (c.has_use()) {
    return DescribeUse(c.use().usage_id(), c.use().category(),
                       c.use().credits());
  }
  if (c.has_hold()) {
    return absl::StrCat("Reserved ", Credits(c.hold().credits()),
                        " for a call (hold ", c.hold().hold_id(),
                        c.hold().has_category()
                            ? absl::StrCat(", ", c.hold().category(), " only")
                            : "",
                        ")");
  }
  if (c.has_capture()) {
    return absl::StrCat(
        DescribeUse(c.capture().usage_id(), c.capture().category(),
                    c.capture().credits()),
        " from hold ", c.capture().hold_id(), ", the rest of the hold back");
  }
  return absl::StrCat("Released hold ", c.release().hold_id());
}

// Sentences for the refund commands; an approval says the cash.
std::string DescribeRefund(const v1::Event& event) {
  const v1::Command& c = event.command();
  if (c.has_request_refund()) {
    return absl::StrCat("Requested refund ", c.request_refund().refund_id(),
                        " of lot ", c.request_refund().purchase_id(),
                        ": its credits are frozen for review");
  }
  if (c.has_deny_refund()) {
    return absl::StrCat(
        "Refund ", c.deny_refund().refund_id(), " denied",
        c.deny_refund().has_reason()
            ? absl::StrCat(" (", c.deny_refund().reason(), ")")
            : "",
        ": its credits are back");
  }
  std::string out =
      absl::StrCat("Refund ", c.approve_refund().refund_id(), " approved");
  for (const v1::Effect& e : event.effects()) {
    if (!e.has_refund_approved()) continue;
    const v1::RefundApproved& a = e.refund_approved();
    absl::StrAppend(&out, ": ", Credits(a.credits()), " refunded as ",
                    FormatMoney(a.cash_minor(), a.currency()));
  }
  return out;
}

// Sentences for the commands of docs/contract.md section 12.
std::string DescribeAlertsCommand(const v1::Command& c) {
  if (c.has_set_alerts()) {
    if (c.set_alerts().thresholds().empty()) return "Balance alerts removed";
    std::string out = "Balance alerts set:";
    for (const v1::AlertThreshold& t : c.set_alerts().thresholds()) {
      absl::StrAppend(&out, out.back() == ':' ? " " : ", ", t.code(), " at ",
                      Credits(t.credits()));
    }
    return out;
  }
  if (c.has_set_auto_top_up()) {
    if (!c.set_auto_top_up().has_below()) return "Automatic top-up turned off";
    return absl::StrCat("Automatic top-up: at or below ",
                        Credits(c.set_auto_top_up().below()), ", up to ",
                        Credits(c.set_auto_top_up().target()));
  }
  return absl::StrCat("Top-up ", c.decline_top_up().request_id(), " declined (",
                      c.decline_top_up().reason(),
                      "): automatic top-up turned off");
}

// The sentence for the command itself; SideEffects adds the rest.
std::string DescribeCommand(const v1::Event& event) {
  const v1::Command& c = event.command();
  switch (c.kind_case()) {
    case v1::Command::kPurchase:
    case v1::Command::kSubscribe:
    case v1::Command::kRenew:
    case v1::Command::kCompensate:
    case v1::Command::kGrant:
      return DescribeGrant(event);
    case v1::Command::kVoidGrant:
      return DescribeVoid(event);
    case v1::Command::kUse:
    case v1::Command::kHold:
    case v1::Command::kCapture:
    case v1::Command::kRelease:
      return DescribeSpending(c);
    case v1::Command::kRequestRefund:
    case v1::Command::kApproveRefund:
    case v1::Command::kDenyRefund:
      return DescribeRefund(event);
    case v1::Command::kCancelSubscription:
      return "Cancelled the subscription (credits stay to the period's end)";
    case v1::Command::kExpire: return "Expiry sweep";
    case v1::Command::kSuspend: return "Account suspended";
    case v1::Command::kTerminate: return "Account terminated";
    case v1::Command::kReinstate: return "Account reinstated";
    case v1::Command::kForfeit: return "Credits forfeited (policy 8)";
    case v1::Command::kChargeback:
      return absl::StrCat("Chargeback on lot ", c.chargeback().purchase_id(),
                          c.chargeback().contacted_support()
                              ? " (support was contacted)"
                              : " (support was not contacted)");
    case v1::Command::kSetPolicy:
      return absl::StrCat("Policy ", c.set_policy().version(),
                          " in force: refund window ",
                          c.set_policy().refund_window_hours(),
                          "h, inquiry window ",
                          c.set_policy().inquiry_window_hours(), "h");
    case v1::Command::kSetAlerts:
    case v1::Command::kSetAutoTopUp:
    case v1::Command::kDeclineTopUp:
      return DescribeAlertsCommand(c);
    case v1::Command::KIND_NOT_SET: break;
  }
  return "Unknown command";
}

}  // namespace

std::string CommandJson(const v1::Command& command) {
  JsonWriter w;
  WriteMessage(command, w);
  return w.str();
}

void WriteCommandJson(const v1::Command& command, JsonWriter& w) {
  WriteMessage(command, w);
}

void WriteMetadataJson(const v1::Command& command, JsonWriter& w) {
  WriteMap(command, command.GetDescriptor()->FindFieldByName("metadata"), w);
}

std::string CommandKind(const v1::Command& command) {
  const Reflection* r = command.GetReflection();
  const FieldDescriptor* f = r->GetOneofFieldDescriptor(
      command, command.GetDescriptor()->FindOneofByName("kind"));
  return f == nullptr ? "" : f->name();
}

// The command's metadata as " [key=value, ...]", keys sorted; empty when
// it has none.
std::string DescribeMetadata(const v1::Command& command) {
  if (command.metadata().empty()) return "";
  std::vector<std::pair<std::string, std::string>> entries(
      command.metadata().begin(), command.metadata().end());
  std::sort(entries.begin(), entries.end());
  std::string out = " [";
  for (size_t i = 0; i < entries.size(); ++i) {
    absl::StrAppend(&out, i ? ", " : "", entries[i].first, "=",
                    entries[i].second);
  }
  return out + "]";
}

void WriteIssuerJson(const v1::Event& event, JsonWriter& w) {
  const v1::EventHeader& h = event.header();
  if (!h.actor().empty()) w.Key("actor").String(h.actor());
  if (h.recorded_at_us() != 0) {
    w.Key("recorded_at").String(FormatTimeUs(h.recorded_at_us()));
  }
}

std::string ActorText(const v1::Event& event) { return event.header().actor(); }

std::string RecordedAtText(const v1::Event& event) {
  const int64_t us = event.header().recorded_at_us();
  return us == 0 ? std::string() : FormatTimeUs(us);
}

std::optional<int64_t> RequestedAtUs(const v1::Event& event) {
  if (!event.command().has_at()) return std::nullopt;
  absl::StatusOr<int64_t> sent = ParseTimeUs(event.command().at());
  if (!sent.ok() || *sent == event.header().at_us()) return std::nullopt;
  return *sent;
}

namespace {

// " (requested at T, judged at the customer's last time)" for an event
// judged within the skew tolerance; empty otherwise.
std::string DescribeSkew(const v1::Event& event) {
  std::optional<int64_t> requested = RequestedAtUs(event);
  if (!requested.has_value()) return "";
  return absl::StrCat(" (requested at ", FormatTimeUs(*requested),
                      ", judged at the customer's last time)");
}

}  // namespace

std::string DescribeEvent(const v1::Event& event) {
  return absl::StrCat(DescribeCommand(event), SideEffects(event),
                      DescribeSkew(event), DescribeMetadata(event.command()));
}

std::string FormatMoney(int64_t amount_minor, std::string_view currency) {
  const int exponent = CurrencyExponent(currency);
  if (exponent == 0) {
    return absl::StrCat(amount_minor, " ", std::string(currency));
  }
  const int64_t scale = exponent == 3 ? 1000 : 100;
  const char* sign = amount_minor < 0 ? "-" : "";
  // Magnitudes are at most 10^15 (docs/contract.md section 1), so negating
  // cannot overflow.
  const int64_t magnitude = std::llabs(amount_minor);
  return absl::StrFormat("%s%d.%0*d %s", sign, magnitude / scale, exponent,
                         magnitude % scale, std::string(currency));
}

void WritePostingsJson(
    const google::protobuf::RepeatedPtrField<v1::Posting>& postings,
    JsonWriter& w) {
  w.BeginArray();
  for (const v1::Posting& p : postings) {
    w.BeginObject();
    w.Key("account").String(v1::Account_Name(p.account()));
    w.Key("unit").String(p.unit());
    w.Key("amount").Int(p.amount());
    w.EndObject();
  }
  w.EndArray();
}

void WriteFollowUpJson(const v1::Event& event, JsonWriter& w) {
  bool any_alert = false;
  const v1::TopUpRequested* top_up = nullptr;
  for (const v1::Effect& e : event.effects()) {
    if (e.has_threshold_crossed()) {
      if (!any_alert) w.Key("alerts").BeginArray();
      any_alert = true;
      const v1::ThresholdCrossed& t = e.threshold_crossed();
      w.BeginObject();
      w.Key("code").String(t.code());
      w.Key("credits").Int(t.credits());
      w.Key("state").String(v1::AlertState_Name(t.state()));
      w.EndObject();
    } else if (e.has_top_up_requested()) {
      top_up = &e.top_up_requested();
    }
  }
  // Follow-up effects are last in an event, thresholds before the request
  // (rules/follow_up.h): the array is closed before "top_up" opens.
  if (any_alert) w.EndArray();
  if (top_up != nullptr) {
    w.Key("top_up").BeginObject();
    w.Key("request_id").String(top_up->request_id());
    w.Key("credits").Int(top_up->credits());
    w.EndObject();
  }
}

std::string FormatPosting(const v1::Posting& p) {
  return absl::StrFormat("%s %-24s %12d %s", p.amount() >= 0 ? "Dr" : "Cr",
                         v1::Account_Name(p.account()), std::llabs(p.amount()),
                         p.unit());
}

}  // namespace ledger
