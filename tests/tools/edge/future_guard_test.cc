// The future guard of the edge (docs/edge-guards.md): unit tests with a
// fixed clock, and `ledgerctl apply --max-future` on and off through the
// binary.
#include "tools/edge/future_guard.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "ledger/time_util.h"
#include "tests/test_util.h"

namespace ledger::edge {
namespace {

int64_t Us(const char* rfc3339) { return ParseTimeUs(rfc3339).value(); }

absl::Time Noon() { return absl::FromUnixMicros(Us("2026-03-08T12:00:00Z")); }

FutureGuard DayGuard() {
  return FutureGuard(absl::Hours(24), "--max-future 24h", Noon);
}

TEST(FutureGuardTest, ATimeUpToTheLimitAheadPasses) {
  EXPECT_TRUE(DayGuard().CheckAt(Us("2026-03-08T12:00:00Z")).ok());
  EXPECT_TRUE(DayGuard().CheckAt(Us("2026-03-09T12:00:00Z")).ok());
  EXPECT_TRUE(DayGuard().CheckAt(Us("2020-01-01T00:00:00Z")).ok());  // the past
}

TEST(FutureGuardTest, ATimeFurtherAheadIsRefusedNamingTheSetting) {
  absl::Status s = DayGuard().CheckAt(Us("2026-03-09T12:00:00.000001Z"));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  s = DayGuard().CheckAt(Us("2062-03-08T12:00:00Z"));
  ASSERT_TRUE(absl::IsInvalidArgument(s)) << s;
  const std::string m(s.message());
  EXPECT_NE(m.find("at 2062-03-08T12:00:00Z is "), std::string::npos) << m;
  EXPECT_NE(m.find("ahead of this machine's clock (2026-03-08T12:00:00Z)"),
            std::string::npos) << m;
  EXPECT_NE(m.find("--max-future 24h"), std::string::npos) << m;
  EXPECT_NE(m.find("not sent to the ledger"), std::string::npos) << m;
}

TEST(FutureGuardTest, CheckJsonReadsTheTopLevelAtOnly) {
  EXPECT_FALSE(DayGuard().CheckJson(
      R"({"key":"k","customer":"c","at":"2062-03-08T12:00:00Z","expire":{}})").ok());
  // An "at" inside the kind is not the command's time.
  EXPECT_TRUE(DayGuard().CheckJson(
      R"({"key":"k","hold":{"at":"2062-03-08T12:00:00Z"},"at":"2026-03-08T12:00:00Z"})").ok());
  // What the guard cannot read, the ledger rejects itself.
  for (const char* line : {"not json", R"({"key":"k"})", R"({"at":"yesterday"})",
                           R"({"at":5})", R"(["at","2062-03-08T12:00:00Z"])"}) {
    EXPECT_TRUE(DayGuard().CheckJson(line).ok()) << line;
  }
}

TEST(FutureGuardTest, TopLevelStringUnescapesAndSkipsNestedValues) {
  EXPECT_EQ(TopLevelString(R"({"a":{"key":"in"},"b":[1,{"key":"x"}],"key":"k\"1\u0041"})",
                           "key"),
            "k\"1A");
  EXPECT_EQ(TopLevelString(R"( { "n" : -1.5e3 , "key" : "k" } )", "key"), "k");
  EXPECT_EQ(TopLevelString(R"({"key":5})", "key"), std::nullopt);
  EXPECT_EQ(TopLevelString(R"({"key":"k")", "key"), std::nullopt);
  EXPECT_EQ(TopLevelString(R"({"key":"k\u00e9"})", "key"), std::nullopt);
  EXPECT_EQ(TopLevelString("", "key"), std::nullopt);
}

// Through the binary: off by default, on with --max-future.
std::string Command(const std::string& key, const std::string& customer,
                    const std::string& at) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":")", customer,
                      R"(","at":")", at,
                      R"(","purchase":{"purchase_id":"p1","credits":10,"amount_minor":1,"currency":"USD"}})");
}

TEST(FutureGuardTest, ApplyRefusesAFarFutureCommandOnlyWithMaxFuture) {
  testing::TempDir dir;
  const std::string now = FormatTimeUs(absl::ToUnixMicros(absl::Now()));
  const std::string input = dir.path() + "/in.jsonl";
  testing::WriteFile(input, Command("k-now", "c1", now) + "\n" +
                                Command("k-2062", "c2", "2062-03-08T10:00:00Z") + "\n");

  std::string out;
  ASSERT_EQ(testing::RunLedgerctl(
                "apply --max-future 24h --db " + dir.path() + "/on " + input, &out),
            0);
  std::vector<std::string> lines = testing::SplitLines(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_EQ(testing::ParseJsonObject(lines[0]).fields().at("status").string_value(),
            "ACCEPTED");
  google::protobuf::Struct refused = testing::ParseJsonObject(lines[1]);
  EXPECT_EQ(refused.fields().at("key").string_value(), "k-2062");
  EXPECT_EQ(refused.fields().at("status").string_value(), "REJECTED");
  EXPECT_EQ(refused.fields().at("code").string_value(), "INVALID_COMMAND");
  EXPECT_NE(refused.fields().at("message").string_value().find("--max-future 24h"),
            std::string::npos) << lines[1];

  out.clear();
  ASSERT_EQ(testing::RunLedgerctl("apply --db " + dir.path() + "/off " + input, &out), 0);
  lines = testing::SplitLines(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_EQ(testing::ParseJsonObject(lines[1]).fields().at("status").string_value(),
            "ACCEPTED") << "without the flag the ledger judges it as before";
}

TEST(FutureGuardTest, ApplyRefusesABadMaxFutureAsUsage) {
  testing::TempDir dir;
  std::string out;
  for (const char* bad : {"tomorrow", "-1h", "0s", "24"}) {
    EXPECT_EQ(testing::RunLedgerctl(absl::StrCat("apply --max-future ", bad, " --db ",
                                                 dir.path(), "/db /dev/null"),
                                    &out),
              2)
        << bad;
  }
}

}  // namespace
}  // namespace ledger::edge
