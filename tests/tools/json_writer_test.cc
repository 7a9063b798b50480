// ledgerctl's JSON writer: the 128-bit numbers of the trial balance.
#include <limits>

#include "gtest/gtest.h"
#include "tools/json_writer.h"

namespace ledger::tools {
namespace {

TEST(JsonWriter, Int128ToDecimalPrintsEveryMagnitudeAndSign) {
  EXPECT_EQ(Int128ToDecimal(0), "0");
  EXPECT_EQ(Int128ToDecimal(7), "7");
  EXPECT_EQ(Int128ToDecimal(-1999), "-1999");
  const __int128 max = std::numeric_limits<__int128>::max();
  EXPECT_EQ(Int128ToDecimal(max), "170141183460469231731687303715884105727");
  EXPECT_EQ(Int128ToDecimal(-max - 1),
            "-170141183460469231731687303715884105728");
  // Past int64, where sums over a whole ledger may go.
  EXPECT_EQ(Int128ToDecimal(static_cast<__int128>(INT64_MAX) * 4),
            "36893488147419103228");
}

TEST(JsonWriter, Int128IsWrittenAsAPlainNumber) {
  JsonWriter w;
  w.BeginObject().Key("net").Int128(-(static_cast<__int128>(1) << 70)).EndObject();
  EXPECT_EQ(w.str(), R"({"net": -1180591620717411303424})");
}

}  // namespace
}  // namespace ledger::tools
