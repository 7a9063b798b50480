// The JSON writer of the audit output (ledger/base/json_writer.h): 128-bit
// numbers of the trial balance, strings made valid JSON, and misuse stops.
#include "ledger/base/json_writer.h"

#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace ledger {
namespace {

std::string Int128Json(__int128 value) {
  JsonWriter w;
  w.Int128(value);
  return w.str();
}

TEST(JsonWriter, Int128IsWrittenInDecimalAtEveryMagnitudeAndSign) {
  EXPECT_EQ(Int128Json(0), "0");
  EXPECT_EQ(Int128Json(7), "7");
  EXPECT_EQ(Int128Json(-1999), "-1999");
  const __int128 max = std::numeric_limits<__int128>::max();
  EXPECT_EQ(Int128Json(max), "170141183460469231731687303715884105727");
  EXPECT_EQ(Int128Json(-max - 1), "-170141183460469231731687303715884105728");
  // Past int64, where sums over a whole ledger may go.
  EXPECT_EQ(Int128Json(static_cast<__int128>(INT64_MAX) * 4),
            "36893488147419103228");
}

TEST(JsonWriter, Int128IsWrittenAsAPlainNumber) {
  JsonWriter w;
  w.BeginObject().Key("net").Int128(-(static_cast<__int128>(1) << 70)).EndObject();
  EXPECT_EQ(w.str(), R"({"net": -1180591620717411303424})");
}

TEST(JsonWriter, StringsKeepValidUtf8AndReplaceEveryInvalidByte) {
  std::string out;
  AppendJsonString("caf\xC3\xA9 \"q\" \\ \n\x01", &out);
  EXPECT_EQ(out, "\"caf\xC3\xA9 \\\"q\\\" \\\\ \\n\\u0001\"");
  out.clear();
  // An overlong '/', a surrogate and a truncated sequence: each byte that
  // starts no valid sequence becomes one U+FFFD.
  AppendJsonString("\xC0\xAF|\xED\xA0\x80|\xE2\x82", &out);
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(out, "\"" + r + r + "|" + r + r + r + "|" + r + r + "\"");
}

TEST(JsonWriterDeathTest, AKeyWithoutAValueBeforeTheNextKeyStopsTheProcess) {
  EXPECT_DEATH(
      {
        JsonWriter w;
        w.BeginObject().Key("a").Key("b");
      },
      "after a key without a value");
}

TEST(JsonWriterDeathTest, EndWithoutABeginStopsTheProcess) {
  EXPECT_DEATH(
      {
        JsonWriter w;
        w.EndObject();
      },
      "EndObject outside");
}

}  // namespace
}  // namespace ledger
