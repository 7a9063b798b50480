#include "tools/render/result_json.h"

#include "ledger/base/json_writer.h"
#include "ledger/time_util.h"

namespace ledger::render {

std::string ResultJson(const SubmitResult& result) {
  JsonWriter w;
  w.BeginObject().Key("key");
  if (result.key.has_value()) {
    w.String(*result.key);
  } else {
    w.Null();
  }
  switch (result.outcome) {
    case Outcome::kAccepted:
    case Outcome::kDuplicate:
      w.Key("status").String("ACCEPTED").Key("seq").Uint(result.seq);
      if (result.outcome == Outcome::kDuplicate) w.Key("duplicate").Bool(true);
      if (result.available.has_value()) w.Key("available").Int(*result.available);
      // The time the ledger chose (stamped, or raised within the skew
      // tolerance); absent when the command was judged at its own `at`.
      if (result.at_us.has_value()) w.Key("at").String(FormatTimeUs(*result.at_us));
      if (!result.alerts.empty()) {
        w.Key("alerts").BeginArray();
        for (const AlertMove& a : result.alerts) {
          w.BeginObject();
          w.Key("code").String(a.code);
          w.Key("credits").Int(a.credits);
          w.Key("state").String(v1::AlertState_Name(a.state));
          w.EndObject();
        }
        w.EndArray();
      }
      if (result.top_up.has_value()) {
        w.Key("top_up").BeginObject();
        w.Key("request_id").String(result.top_up->request_id);
        w.Key("credits").Int(result.top_up->credits);
        w.EndObject();
      }
      break;
    case Outcome::kRejected:
      w.Key("status").String("REJECTED");
      w.Key("code").String(v1::RejectionCode_Name(result.code));
      w.Key("message").String(result.message);
      break;
  }
  w.EndObject();
  return w.str();
}

}  // namespace ledger::render
