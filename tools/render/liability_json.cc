#include "tools/render/liability_json.h"

#include "ledger/base/json_writer.h"
#include "ledger/time_util.h"

namespace ledger::render {

std::array<__int128, 10> LiabilityNumbers(const LiabilityRow& row) {
  return {row.opening,   row.granted,  row.used,
          row.expired,   row.forfeited, row.voided,
          row.refunded,  row.charged_back, row.closing,
          row.refund_rounding};
}

std::string LiabilityJson(const LiabilityReport& report) {
  JsonWriter w;
  w.BeginObject();
  w.Key("from").String(FormatTimeUs(report.from_us));
  w.Key("to").String(FormatTimeUs(report.to_us));
  w.Key("units").BeginArray();
  for (const LiabilityRow& row : report.units) {
    w.BeginObject();
    w.Key("unit").String(row.unit);
    const std::array<__int128, 10> numbers = LiabilityNumbers(row);
    for (size_t i = 0; i < numbers.size(); ++i) {
      w.Key(kLiabilityColumns[i + 1]).Int128(numbers[i]);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.str() + "\n";
}

}  // namespace ledger::render
