// docs/contract.md section 15 in the audit output: an event judged at the
// customer's last time within the skew tolerance shows the time it was sent
// with as `requested_at` in export, tail and statement; a stamped event (no
// `at` sent) and an event judged at its own `at` show none; an export of
// such events imports back to the same chain.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

constexpr char kCommands[] =
    R"({"key":"pol","at":"2026-01-01T00:00:00Z","set_policy":{"version":"skew","refund_window_hours":168,"inquiry_window_hours":168,"clock_skew_seconds":60}}
{"key":"k1","customer":"c1","at":"2026-03-08T10:00:30Z","purchase":{"purchase_id":"p1","credits":100,"amount_minor":1000,"currency":"USD"}}
{"key":"k2","customer":"c1","at":"2026-03-08T10:00:00Z","use":{"usage_id":"u1","category":"TELEPHONY_USAGE","credits":1}}
{"key":"k3","customer":"c1","use":{"usage_id":"u2","category":"TELEPHONY_USAGE","credits":1}}
)";

class RequestedAtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.path() + "/db";
    const std::string input = dir_.path() + "/in.jsonl";
    WriteFile(input, kCommands);
    std::string out;
    ASSERT_EQ(RunLedgerctl(absl::StrCat("apply --db ", db_, " ", input), &out), 0);
    std::vector<std::string> results = SplitLines(out);
    ASSERT_EQ(results.size(), 4u) << out;
    const google::protobuf::Struct skewed = ParseJsonObject(results[2]);
    ASSERT_EQ(skewed.fields().at("status").string_value(), "ACCEPTED") << out;
    EXPECT_EQ(skewed.fields().at("at").string_value(), "2026-03-08T10:00:30Z");
  }

  // The lines `ledgerctl ARGS` prints, each parsed.
  std::vector<google::protobuf::Struct> Lines(const std::string& args) {
    std::string out;
    EXPECT_EQ(RunLedgerctl(args, &out), 0) << out;
    std::vector<google::protobuf::Struct> parsed;
    for (const std::string& line : SplitLines(out)) {
      parsed.push_back(ParseJsonObject(line));
    }
    return parsed;
  }

  TempDir dir_;
  std::string db_;
};

std::string Member(const google::protobuf::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? "<absent>" : it->second.string_value();
}

TEST_F(RequestedAtTest, ExportAndTailShowRequestedAtOnTheSkewedEventOnly) {
  for (const std::string& command :
       {std::string("export --format jsonl"), std::string("tail")}) {
    SCOPED_TRACE(command);
    std::vector<google::protobuf::Struct> events =
        Lines(absl::StrCat(command, " --db ", db_));
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(Member(events[2], "at"), "2026-03-08T10:00:30Z");
    EXPECT_EQ(Member(events[2], "requested_at"), "2026-03-08T10:00:00Z");
    for (int i : {0, 1, 3}) EXPECT_EQ(Member(events[i], "requested_at"), "<absent>") << i;
  }
}

TEST_F(RequestedAtTest, TheStatementShowsRequestedAtInJsonAndText) {
  std::vector<google::protobuf::Struct> lines =
      Lines(absl::StrCat("statement --format jsonl --customer c1 --db ", db_));
  std::vector<google::protobuf::Struct> events;
  for (const auto& line : lines) {
    if (Member(line, "type") == "event") events.push_back(line);
  }
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(Member(events[1], "requested_at"), "2026-03-08T10:00:00Z");
  EXPECT_EQ(Member(events[0], "requested_at"), "<absent>");
  EXPECT_EQ(Member(events[2], "requested_at"), "<absent>");
  std::string text;
  ASSERT_EQ(RunLedgerctl(absl::StrCat("statement --customer c1 --db ", db_), &text), 0);
  EXPECT_NE(text.find("requested at 2026-03-08T10:00:00Z"), std::string::npos) << text;
}

TEST_F(RequestedAtTest, AnExportWithStampedAndSkewedEventsImportsToTheSameChain) {
  const std::string exported = dir_.path() + "/export.jsonl";
  std::string out;
  ASSERT_EQ(RunLedgerctl(absl::StrCat("export --format jsonl --db ", db_), &out), 0);
  WriteFile(exported, out);
  std::string imported;
  ASSERT_EQ(RunLedgerctl(absl::StrCat("import --db ", dir_.path(), "/copy ", exported),
                         &imported, Stderr::kIntoOut),
            0)
      << imported;
  std::string a, b;
  ASSERT_EQ(RunLedgerctl(absl::StrCat("digest --db ", db_), &a), 0);
  ASSERT_EQ(RunLedgerctl(absl::StrCat("digest --db ", dir_.path(), "/copy"), &b), 0);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace ledger::testing
