#include "tools/render/rejections_json.h"

#include "ledger/base/json_writer.h"
#include "ledger/time_util.h"

namespace ledger::render {

std::string RejectionPageJson(const RejectionPage& page) {
  JsonWriter w;
  w.BeginObject();
  w.Key("rejections").BeginArray();
  for (const v1::RejectionRecord& r : page.rejections) {
    w.BeginObject();
    w.Key("recorded_at").String(FormatTimeUs(r.recorded_at_us()));
    w.Key("customer").String(r.customer());
    w.Key("key").String(r.key());
    w.Key("kind").String(r.kind());
    w.Key("code").String(v1::RejectionCode_Name(r.code()));
    w.Key("message").String(r.message());
    w.Key("actor").String(r.actor());
    w.Key("at").String(r.at());
    w.EndObject();
  }
  w.EndArray();
  w.Key("next_after");
  if (page.next_after.has_value()) {
    w.String(*page.next_after);
  } else {
    w.Null();
  }
  w.EndObject();
  return w.str();
}

}  // namespace ledger::render
