// `ledgerctl liability` as a finance user runs it (LEDGERCTL_PATH): its
// three formats against the library's report, bad usage, a missing ledger,
// and a ledger another process holds open.
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "ledger/liability.h"
#include "ledger/time_util.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kFrom[] = "2026-03-08T00:00:00Z";
constexpr char kTo[] = "2026-03-16T00:00:00Z";  // c1's approval (16 March) is after

// The scenario of docs/audit.md: three customers buy in USD, EUR and GBP
// and ask for refunds, one of them approved on 16 March.
class LiabilityCli : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.path() + "/db";
    std::string out;
    ASSERT_EQ(RunLedgerctl(absl::StrCat("apply --db ", db_, " ", SCENARIO_DIR,
                                        "/refund_within_seven_days.jsonl"),
                           &out),
              0)
        << out;
  }
  std::string Run(const std::string& args, int expected_exit) {
    return LedgerctlExpecting(args, expected_exit);
  }
  LiabilityReport Library(const char* from, const char* to) {
    absl::StatusOr<LiabilityReport> report =
        LiabilityReportFor(db_, *ParseTimeUs(from), *ParseTimeUs(to));
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : LiabilityReport();
  }

  TempDir dir_;
  std::string db_;
};

double Number(const google::protobuf::Struct& object, const std::string& name) {
  auto it = object.fields().find(name);
  EXPECT_NE(it, object.fields().end()) << name;
  return it == object.fields().end() ? -1 : it->second.number_value();
}

TEST_F(LiabilityCli, JsonParsesAndMatchesTheLibraryUnitByUnit) {
  // A numeric offset comes back in the canonical form.
  const std::string out = Run(absl::StrCat("liability --db ", db_,
                                           " --from 2026-03-08T01:00:00+01:00 --to ",
                                           kTo, " --format json"),
                              0);
  const google::protobuf::Struct json = ParseJsonObject(out);
  ASSERT_EQ(json.fields().size(), 3u) << out;
  EXPECT_EQ(json.fields().at("from").string_value(), kFrom);
  EXPECT_EQ(json.fields().at("to").string_value(), kTo);
  const LiabilityReport report = Library(kFrom, kTo);
  const auto& units = json.fields().at("units").list_value().values();
  ASSERT_EQ(units.size(), report.units.size()) << out;
  const std::vector<std::string> columns = {
      "opening",  "granted",  "used",         "expired", "forfeited",
      "voided",   "refunded", "charged_back", "closing", "refund_rounding"};
  for (int i = 0; i < units.size(); ++i) {
    const google::protobuf::Struct& unit = units[i].struct_value();
    const LiabilityRow& row = report.units[i];
    EXPECT_EQ(unit.fields().size(), 11u);
    EXPECT_EQ(unit.fields().at("unit").string_value(), row.unit);
    const std::vector<__int128> numbers = {
        row.opening, row.granted,  row.used,         row.expired, row.forfeited,
        row.voided,  row.refunded, row.charged_back, row.closing,
        row.refund_rounding};
    for (size_t c = 0; c < columns.size(); ++c) {
      EXPECT_EQ(Number(unit, columns[c]), static_cast<double>(numbers[c]))
          << row.unit << " " << columns[c];
    }
  }
  // Numbers are JSON integers, never strings; what the scenario owes.
  EXPECT_THAT(out, HasSubstr(R"({"unit": "USD", "opening": 0, "granted": 2999, "used": 2, "expired": 0, "forfeited": 0, "voided": 0, "refunded": 0, "charged_back": 0, "closing": 2997, "refund_rounding": 0})"));
  EXPECT_THAT(out, HasSubstr(R"({"unit": "EUR", "opening": 0, "granted": 1000, "used": 0, "expired": 0, "forfeited": 0, "voided": 0, "refunded": 0, "charged_back": 0, "closing": 1000, "refund_rounding": 0})"));
}

TEST_F(LiabilityCli, CsvHasAHeaderRowOfTheJsonNamesAndOneRowPerUnit) {
  const std::string out = Run(absl::StrCat("liability --db ", db_, " --from ", kFrom,
                                           " --to 2026-03-17T00:00:00Z --format csv"),
                              0);
  std::vector<std::string> lines = absl::StrSplit(out, "\r\n");
  ASSERT_EQ(lines.back(), "");  // every row ends in CRLF
  lines.pop_back();
  EXPECT_THAT(lines,
              ElementsAre("unit,opening,granted,used,expired,forfeited,voided,"
                          "refunded,charged_back,closing,refund_rounding",
                          "CREDITS:COMPENSATION,0,0,0,0,0,0,0,0,0,0",
                          "CREDITS:PROMOTIONAL,0,0,0,0,0,0,0,0,0,0",
                          "CREDITS:PURCHASE,0,1800,1,0,0,0,999,0,800,0",
                          "CREDITS:SUBSCRIPTION,0,0,0,0,0,0,0,0,0,0",
                          "EUR,0,1000,0,0,0,0,0,0,1000,0",
                          "GBP,0,999,0,0,0,0,0,0,999,0",
                          // c1's 999 unused credits leave at 2999 - 2 = 2997;
                          // the refund pays floor(2999 * 999 / 1000) = 2996.
                          "USD,0,2999,2,0,0,0,2997,0,0,1"));
}

TEST_F(LiabilityCli, TextIsATableWithTheVerdict) {
  const std::string out =
      Run(absl::StrCat("liability --db ", db_, " --from 2026-03-09T00:00:00Z --to ", kTo), 0);
  EXPECT_THAT(out, HasSubstr("liability from 2026-03-09T00:00:00Z to 2026-03-16T00:00:00Z"));
  EXPECT_THAT(out, HasSubstr("CREDITS:PURCHASE"));
  EXPECT_THAT(out, HasSubstr("charged_back"));
  EXPECT_THAT(out, HasSubstr("verdict: OK"));
}

TEST_F(LiabilityCli, BadUsageExitsTwo) {
  const std::string base = "liability --db " + db_;
  EXPECT_THAT(Run(base + " --from " + kTo + " --to " + kFrom, 2),
              HasSubstr("--from is later than --to"));
  Run(base + " --from " + kFrom, 2);                           // no --to
  // Neither RFC 3339 nor a date; a date that does not exist.
  EXPECT_THAT(Run(base + " --from yesterday --to " + std::string(kTo), 2),
              HasSubstr("or a date alone (2026-03-08, its midnight UTC)"));
  Run(base + " --from 2026-02-30 --to " + std::string(kTo), 2);
  Run(base + " --from " + std::string(kFrom) + " --to " + kTo + " --format xml", 2);
  EXPECT_THAT(Run("liability --help", 0), HasSubstr("usage: ledgerctl liability"));
  EXPECT_THAT(Run("--help", 0), HasSubstr("liability"));
}

TEST_F(LiabilityCli, AMissingLedgerFailsWithoutBeingCreated) {
  const std::string missing = dir_.path() + "/nowhere";
  EXPECT_THAT(Run(absl::StrCat("liability --db ", missing, " --from ", kFrom,
                               " --to ", kTo),
                  1),
              HasSubstr("no ledger in"));
  EXPECT_FALSE(std::filesystem::exists(missing));
}

// The platform keeps its ledger open; finance still gets the report, and
// the writer goes on.
TEST(LiabilityCliLive, RunsBesideALiveWriter) {
  TestLedger db;
  ASSERT_EQ(db.Code(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD"}})"),
            "ACCEPTED");
  ASSERT_EQ(db.Code(R"({"key":"k2","customer":"c1","at":"2026-03-08T11:00:00Z","hold":{"hold_id":"h1","credits":400,"expires_at":"2026-03-08T12:00:00Z"}})"),
            "ACCEPTED");
  std::string out;
  ASSERT_EQ(RunLedgerctl(absl::StrCat("liability --db ", db.dir(), " --from ",
                                      kFrom, " --to ", kTo, " --format csv"),
                         &out, Stderr::kIntoOut),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("CREDITS:PURCHASE,0,1000,0,0,0,0,0,0,1000,0\r\n"));
  EXPECT_THAT(out, HasSubstr("USD,0,1999,0,0,0,0,0,0,1999,0\r\n"));
  EXPECT_EQ(db.Code(R"({"key":"k3","customer":"c1","at":"2026-03-08T11:30:00Z","capture":{"hold_id":"h1","usage_id":"u1","category":"AUTOMATED_CALL","credits":100}})"),
            "ACCEPTED");
}

}  // namespace
}  // namespace ledger::testing
