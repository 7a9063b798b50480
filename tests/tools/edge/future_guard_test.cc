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

// Through the binary: on by default at 24 hours, `--max-future off` removes
// it (docs/contract.md section 15).
std::string Command(const std::string& key, const std::string& customer,
                    const std::string& at) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":")", customer,
                      R"(","at":")", at,
                      R"(","purchase":{"purchase_id":"p1","credits":10,"amount_minor":1,"currency":"USD"}})");
}

// The statuses of apply's result lines for `input`, with `flags`.
std::vector<google::protobuf::Struct> Apply(const std::string& flags,
                                            const std::string& input) {
  std::string out;
  EXPECT_EQ(testing::RunLedgerctl("apply " + flags + " " + input, &out), 0) << out;
  std::vector<google::protobuf::Struct> results;
  for (const std::string& line : testing::SplitLines(out)) {
    results.push_back(testing::ParseJsonObject(line));
  }
  return results;
}

std::string Field(const google::protobuf::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? "" : it->second.string_value();
}

TEST(FutureGuardTest, ApplyRefusesAFarFutureCommandByDefaultNamingTheDefault) {
  testing::TempDir dir;
  const std::string now = FormatTimeUs(absl::ToUnixMicros(absl::Now()));
  const std::string input = dir.path() + "/in.jsonl";
  testing::WriteFile(input, Command("k-now", "c1", now) + "\n" +
                                Command("k-9999", "c2", "9999-03-08T10:00:00Z") + "\n");
  std::vector<google::protobuf::Struct> results =
      Apply("--db " + dir.path() + "/default", input);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(Field(results[0], "status"), "ACCEPTED");
  EXPECT_EQ(Field(results[1], "key"), "k-9999");
  EXPECT_EQ(Field(results[1], "status"), "REJECTED");
  EXPECT_EQ(Field(results[1], "code"), "INVALID_COMMAND");
  const std::string message = Field(results[1], "message");
  EXPECT_NE(message.find("--max-future 24h (the default)"), std::string::npos) << message;
  EXPECT_NE(message.find("--max-future off"), std::string::npos) << message;
}

TEST(FutureGuardTest, ApplyWithMaxFutureOffSendsAFarFutureCommandToTheLedger) {
  testing::TempDir dir;
  const std::string input = dir.path() + "/in.jsonl";
  testing::WriteFile(input, Command("k-9999", "c2", "9999-03-08T10:00:00Z") + "\n");
  std::vector<google::protobuf::Struct> results =
      Apply("--max-future off --db " + dir.path() + "/off", input);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(Field(results[0], "status"), "ACCEPTED")
      << "without the guard the ledger judges it as before";
}

TEST(FutureGuardTest, ApplyWithAnotherMaxFutureRefusesPastThatLimitOnly) {
  testing::TempDir dir;
  const absl::Time now = absl::Now();
  const std::string input = dir.path() + "/in.jsonl";
  testing::WriteFile(
      input,
      Command("k-30h", "c1", FormatTimeUs(absl::ToUnixMicros(now + absl::Hours(30)))) +
          "\n" +
          Command("k-3d", "c2", FormatTimeUs(absl::ToUnixMicros(now + absl::Hours(72)))) +
          "\n");
  std::vector<google::protobuf::Struct> results =
      Apply("--max-future 48h --db " + dir.path() + "/48h", input);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(Field(results[0], "status"), "ACCEPTED") << "30h is within 48h";
  EXPECT_EQ(Field(results[1], "code"), "INVALID_COMMAND");
  EXPECT_NE(Field(results[1], "message").find("--max-future 48h"), std::string::npos);
}

TEST(FutureGuardTest, ParseMaxFutureTakesADurationOrOff) {
  EXPECT_EQ(ParseMaxFuture("off").value(), std::nullopt);
  EXPECT_EQ(ParseMaxFuture("90m").value(), absl::Minutes(90));
  for (const char* bad : {"tomorrow", "-1h", "0s", "24", "OFF", ""}) {
    EXPECT_FALSE(ParseMaxFuture(bad).ok()) << bad;
  }
  EXPECT_EQ(MaxFutureSetting(std::nullopt), "--max-future 24h (the default)");
  EXPECT_EQ(MaxFutureSetting("2h"), "--max-future 2h");
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
