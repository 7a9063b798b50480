// The liability report (ledger/liability.h): which rows each event kind
// moves, opening and closing across periods, the cash of a lot adding up to
// its cost, and the identity check.
#include "ledger/liability.h"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/time_util.h"
#include "ledger/trial_balance.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;
using testing::TestLedger;

constexpr int64_t kHourUs = 3600LL * 1000 * 1000;
constexpr int64_t kT0 = 1772964000000000;  // 2026-03-08T10:00:00Z

// The value of one column of a row, by its JSON name.
__int128 Column(const LiabilityRow& row, std::string_view name) {
  if (name == "opening") return row.opening;
  if (name == "granted") return row.granted;
  if (name == "used") return row.used;
  if (name == "expired") return row.expired;
  if (name == "forfeited") return row.forfeited;
  if (name == "voided") return row.voided;
  if (name == "refunded") return row.refunded;
  if (name == "charged_back") return row.charged_back;
  if (name == "closing") return row.closing;
  ADD_FAILURE() << "no column " << name;
  return 0;
}

constexpr std::string_view kFlows[] = {"granted",  "used",     "expired",     "forfeited",
                                       "voided",   "refunded", "charged_back"};

const LiabilityRow& Row(const LiabilityReport& report, const std::string& unit) {
  for (const LiabilityRow& row : report.units) {
    if (row.unit == unit) return row;
  }
  ADD_FAILURE() << "no unit " << unit;
  static const LiabilityRow kNone;
  return kNone;
}

// A unit absent from a report owes and moved nothing: no lot of it was
// granted before the report's end.
LiabilityRow RowOrZero(const LiabilityReport& report, const std::string& unit) {
  for (const LiabilityRow& row : report.units) {
    if (row.unit == unit) return row;
  }
  return LiabilityRow{.unit = unit};
}

LiabilityReport ReportOrDie(const std::string& dir, int64_t from_us,
                            int64_t to_us) {
  absl::StatusOr<LiabilityReport> report = LiabilityReportFor(dir, from_us, to_us);
  EXPECT_TRUE(report.ok()) << report.status();
  if (!report.ok()) return LiabilityReport();
  absl::Status adds_up = CheckLiabilityIdentity(*report);
  EXPECT_TRUE(adds_up.ok()) << adds_up;
  return *report;
}

// unit -> column -> amount: the flows one event should cause.
using Moves = std::map<std::string, std::map<std::string, int64_t>>;

struct Step {
  const char* customer;
  std::string kind;  // `"use":{...}`
  Moves moves;
};

std::string At(int64_t hours) { return FormatTimeUs(kT0 + hours * kHourUs); }

// Step i is dated kT0 + i hours, one event per step.
std::vector<Step> EveryKind() {
  return {
      {"c1", R"("purchase":{"purchase_id":"p1","credits":1000,"amount_minor":3000,"currency":"USD","expires_at":")" + At(240) + "\"}",
       {{"CREDITS:PURCHASE", {{"granted", 1000}}}, {"USD", {{"granted", 3000}}}}},
      {"c1", R"("subscribe":{"period_id":"s1","plan":"pro","credits":600,"amount_minor":4900,"currency":"USD","period_end":")" + At(720) + "\"}",
       {{"CREDITS:SUBSCRIPTION", {{"granted", 600}}}}},  // revenue, not owed cash
      {"c1", R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":100})",
       {{"CREDITS:PURCHASE", {{"used", 100}}}, {"USD", {{"used", 300}}}}},
      {"c1", R"("hold":{"hold_id":"h1","credits":200,"expires_at":")" + At(100) + "\"}", {}},
      {"c1", R"("capture":{"hold_id":"h1","usage_id":"u2","category":"AUTOMATED_CALL","credits":150})",
       {{"CREDITS:PURCHASE", {{"used", 150}}}, {"USD", {{"used", 450}}}}},
      {"c1", R"("compensate":{"adjustment_id":"a1","usage_id":"u1","credits":50,"verified_by":"ops"})",
       {{"CREDITS:COMPENSATION", {{"granted", 50}}}}},
      {"c1", R"("request_refund":{"refund_id":"r1","purchase_id":"p1"})", {}},
      // p1 has lost 250 of 1000: the 750 frozen are worth 3000 - 750.
      {"c1", R"("approve_refund":{"refund_id":"r1"})",
       {{"CREDITS:PURCHASE", {{"refunded", 750}}}, {"USD", {{"refunded", 2250}}}}},
      {"c1", R"("use":{"usage_id":"u3","category":"AI_PROCESSING","credits":30})",
       {{"CREDITS:SUBSCRIPTION", {{"used", 30}}}}},
      {"c2", R"("purchase":{"purchase_id":"p1","credits":400,"amount_minor":999,"currency":"EUR","expires_at":")" + FormatTimeUs(kT0 + 10 * kHourUs + kHourUs / 2) + "\"}",
       {{"CREDITS:PURCHASE", {{"granted", 400}}}, {"EUR", {{"granted", 999}}}}},
      {"c2", R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":100})",
       {{"CREDITS:PURCHASE", {{"used", 100}}}, {"EUR", {{"used", 249}}}}},
      {"c2", R"("expire":{})",
       {{"CREDITS:PURCHASE", {{"expired", 300}}}, {"EUR", {{"expired", 750}}}}},
      {"c3", R"("purchase":{"purchase_id":"p1","credits":300,"amount_minor":500,"currency":"GBP"})",
       {{"CREDITS:PURCHASE", {{"granted", 300}}}, {"GBP", {{"granted", 500}}}}},
      {"c3", R"("suspend":{"reason":"FRAUD"})", {}},
      {"c3", R"("forfeit":{})",
       {{"CREDITS:PURCHASE", {{"forfeited", 300}}}, {"GBP", {{"forfeited", 500}}}}},
      {"c4", R"("purchase":{"purchase_id":"p1","credits":200,"amount_minor":700,"currency":"USD"})",
       {{"CREDITS:PURCHASE", {{"granted", 200}}}, {"USD", {{"granted", 700}}}}},
      {"c4", R"("hold":{"hold_id":"h1","credits":50,"expires_at":")" + At(100) + "\"}", {}},
      // Terminates c4, which releases the hold first: all 200 are clawed back.
      {"c4", R"("chargeback":{"purchase_id":"p1","contacted_support":false})",
       {{"CREDITS:PURCHASE", {{"charged_back", 200}}}, {"USD", {{"charged_back", 700}}}}},
      {"c5", R"("purchase":{"purchase_id":"p1","credits":100,"amount_minor":100,"currency":"USD"})",
       {{"CREDITS:PURCHASE", {{"granted", 100}}}, {"USD", {{"granted", 100}}}}},
      {"c5", R"("request_refund":{"refund_id":"r1","purchase_id":"p1"})", {}},
      {"c5", R"("deny_refund":{"refund_id":"r1"})", {}},
      {"c5", R"("hold":{"hold_id":"h1","credits":10,"expires_at":")" + At(100) + "\"}", {}},
      {"c5", R"("release":{"hold_id":"h1"})", {}},
      // docs/contract.md section 11: free credits have a credits unit and
      // no cash; a void takes back what is left.
      {"c6", R"("grant":{"grant_id":"g1","credits":100,"reason":"sign-up bonus"})",
       {{"CREDITS:PROMOTIONAL", {{"granted", 100}}}}},
      {"c6", R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":30})",
       {{"CREDITS:PROMOTIONAL", {{"used", 30}}}}},
      {"c6", R"("void_grant":{"lot_id":"g1","reason":"promotion withdrawn"})",
       {{"CREDITS:PROMOTIONAL", {{"voided", 70}}}}},
  };
}

// Writes EveryKind() and closes the ledger; returns the number of steps.
int WriteEveryKind(TestLedger& db) {
  const std::vector<Step> steps = EveryKind();
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string json = absl::StrCat(
        R"({"key":"k)", i, R"(","customer":")", steps[i].customer,
        R"(","at":")", At(static_cast<int64_t>(i)), "\",", steps[i].kind, "}");
    EXPECT_EQ(db.Code(json), "ACCEPTED") << json;
  }
  db.Close();
  return static_cast<int>(steps.size());
}

TEST(Liability, EachEventKindMovesTheRowsOfItsEffectsAndNoOthers) {
  TestLedger db;
  WriteEveryKind(db);
  const std::vector<Step> steps = EveryKind();
  for (size_t i = 0; i < steps.size(); ++i) {
    const int64_t at = kT0 + static_cast<int64_t>(i) * kHourUs;
    const LiabilityReport report = ReportOrDie(db.dir(), at, at + kHourUs);
    ASSERT_EQ(report.events_in_period, 1u) << "step " << i;
    for (const LiabilityRow& row : report.units) {
      for (std::string_view column : kFlows) {
        int64_t expected = 0;
        auto unit = steps[i].moves.find(row.unit);
        if (unit != steps[i].moves.end()) {
          auto it = unit->second.find(std::string(column));
          if (it != unit->second.end()) expected = it->second;
        }
        EXPECT_TRUE(Column(row, column) == expected)
            << "step " << i << " (" << steps[i].kind << "): " << row.unit
            << " " << column << " is " << static_cast<int64_t>(Column(row, column))
            << ", expected " << expected;
      }
    }
  }
}

TEST(Liability, HeldAndFrozenCreditsAreStillOwed) {
  TestLedger db;
  WriteEveryKind(db);
  // After the hold of 200 (step 3): 1000 - 100 used, the held 200 included.
  LiabilityReport report = ReportOrDie(db.dir(), kT0, kT0 + 4 * kHourUs);
  EXPECT_TRUE(Row(report, "CREDITS:PURCHASE").closing == 900);
  EXPECT_TRUE(Row(report, "USD").closing == 2700);
  // After the refund request (step 6): the 750 frozen are owed until approved.
  report = ReportOrDie(db.dir(), kT0, kT0 + 7 * kHourUs);
  EXPECT_TRUE(Row(report, "CREDITS:PURCHASE").closing == 750);
  EXPECT_TRUE(Row(report, "USD").closing == 2250);
}

TEST(Liability, ClosingOfOnePeriodIsTheOpeningOfTheNextAndFlowsAddUpOverThem) {
  TestLedger db;
  const int steps = WriteEveryKind(db);
  const std::vector<int64_t> bounds = {kT0, kT0 + 5 * kHourUs,
                                       kT0 + 12 * kHourUs, kT0 + steps * kHourUs};
  std::vector<LiabilityReport> periods;
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    periods.push_back(ReportOrDie(db.dir(), bounds[i], bounds[i + 1]));
  }
  const LiabilityReport whole = ReportOrDie(db.dir(), bounds.front(), bounds.back());
  for (const LiabilityRow& row : whole.units) {
    EXPECT_TRUE(RowOrZero(periods.front(), row.unit).opening == row.opening) << row.unit;
    EXPECT_TRUE(RowOrZero(periods.back(), row.unit).closing == row.closing) << row.unit;
    for (size_t i = 0; i + 1 < periods.size(); ++i) {
      EXPECT_TRUE(RowOrZero(periods[i], row.unit).closing ==
                  RowOrZero(periods[i + 1], row.unit).opening)
          << row.unit << " between periods " << i << " and " << i + 1;
    }
    for (std::string_view column : kFlows) {
      __int128 sum = 0;
      for (const LiabilityReport& p : periods) sum += Column(RowOrZero(p, row.unit), column);
      EXPECT_TRUE(sum == Column(row, column)) << row.unit << " " << column;
    }
  }
  // At the end only c5's lot (100 credits for USD 1.00), what is left of
  // c1's subscription (600 - 30) and c1's compensation are owed.
  EXPECT_TRUE(Row(whole, "CREDITS:PURCHASE").closing == 100);
  EXPECT_TRUE(Row(whole, "CREDITS:SUBSCRIPTION").closing == 570);
  EXPECT_TRUE(Row(whole, "CREDITS:COMPENSATION").closing == 50);
  EXPECT_TRUE(Row(whole, "USD").closing == 100);
  EXPECT_TRUE(Row(whole, "EUR").closing == 0 && Row(whole, "GBP").closing == 0);
  // Units sorted by name.
  std::vector<std::string> units;
  for (const LiabilityRow& row : whole.units) units.push_back(row.unit);
  EXPECT_THAT(units, ::testing::ElementsAre(
                         "CREDITS:COMPENSATION", "CREDITS:PROMOTIONAL", "CREDITS:PURCHASE",
                         "CREDITS:SUBSCRIPTION", "EUR", "GBP", "USD"));
  EXPECT_TRUE(Row(whole, "CREDITS:PROMOTIONAL").closing == 0);
}

TEST(Liability, ALotUsedInThreeDrawsAndAPartlyUsedLotRefundedAddUpToTheirCost) {
  TestLedger db;
  for (const char* json : {
           // 7 credits for 10.00: floor(1000 * x / 7) per draw would lose 2.
           R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":7,"amount_minor":1000,"currency":"USD"}})",
           R"({"key":"k2","customer":"c1","at":"2026-03-08T10:01:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":1}})",
           R"({"key":"k3","customer":"c1","at":"2026-03-08T10:02:00Z","use":{"usage_id":"u2","category":"AI_PROCESSING","credits":2}})",
           R"({"key":"k4","customer":"c1","at":"2026-03-08T10:03:00Z","use":{"usage_id":"u3","category":"AI_PROCESSING","credits":4}})",
           // 3 credits for 1.00: 1 used (0.33), 2 refunded (the other 0.67).
           R"({"key":"k5","customer":"c2","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":3,"amount_minor":100,"currency":"EUR"}})",
           R"({"key":"k6","customer":"c2","at":"2026-03-08T10:01:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":1}})",
           R"({"key":"k7","customer":"c2","at":"2026-03-08T10:02:00Z","request_refund":{"refund_id":"r1","purchase_id":"p1"}})",
           R"({"key":"k8","customer":"c2","at":"2026-03-08T10:03:00Z","approve_refund":{"refund_id":"r1"}})",
       }) {
    ASSERT_EQ(db.Code(json), "ACCEPTED") << json;
  }
  db.Close();
  const LiabilityReport report = ReportOrDie(db.dir(), kT0, kT0 + kHourUs);
  const LiabilityRow& usd = Row(report, "USD");
  EXPECT_TRUE(usd.granted == 1000 && usd.used == 1000 && usd.closing == 0)
      << "used " << static_cast<int64_t>(usd.used);
  const LiabilityRow& eur = Row(report, "EUR");
  EXPECT_TRUE(eur.used == 33 && eur.refunded == 67 && eur.closing == 0)
      << "used " << static_cast<int64_t>(eur.used) << ", refunded "
      << static_cast<int64_t>(eur.refunded);
  // The draws one by one: 142, then 428 - 142, then 1000 - 428.
  int64_t expected[] = {142, 286, 572};
  for (int i = 0; i < 3; ++i) {
    const int64_t at = kT0 + (i + 1) * 60 * 1000000LL;
    EXPECT_TRUE(Row(ReportOrDie(db.dir(), at, at + 1), "USD").used == expected[i])
        << "draw " << i + 1;
  }
}

TEST(Liability, AUsageDrawingFromThreeLotsIsAttributedPerSourceAndPerLot) {
  TestLedger db;
  for (const char* json : {
           R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","subscribe":{"period_id":"s1","plan":"pro","credits":10,"amount_minor":900,"currency":"USD","period_end":"2026-04-08T10:00:00Z"}})",
           R"({"key":"k2","customer":"c1","at":"2026-03-08T10:01:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":999,"currency":"USD"}})",
           R"({"key":"k3","customer":"c1","at":"2026-03-08T10:02:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":1}})",
           R"({"key":"k4","customer":"c1","at":"2026-03-08T10:03:00Z","compensate":{"adjustment_id":"a1","usage_id":"u1","credits":1,"verified_by":"ops"}})",
           // docs/contract.md section 2: the expiring subscription lot (9
           // left), then compensation (1), then the purchase (5 of 10).
           R"({"key":"k5","customer":"c1","at":"2026-03-08T10:04:00Z","use":{"usage_id":"u2","category":"AI_PROCESSING","credits":15}})",
       }) {
    ASSERT_EQ(db.Code(json), "ACCEPTED") << json;
  }
  db.Close();
  const int64_t at = kT0 + 4 * 60 * 1000000LL;
  const LiabilityReport report = ReportOrDie(db.dir(), at, at + 1);
  EXPECT_TRUE(Row(report, "CREDITS:SUBSCRIPTION").used == 9);
  EXPECT_TRUE(Row(report, "CREDITS:COMPENSATION").used == 1);
  EXPECT_TRUE(Row(report, "CREDITS:PURCHASE").used == 5);
  EXPECT_TRUE(Row(report, "USD").used == 499) << "floor(999 * 5 / 10)";
  EXPECT_TRUE(Row(report, "USD").closing == 500);
}

TEST(Liability, EventsCountByTheirOwnDateWhereverTheySitInTheLog) {
  TestLedger db;
  db.WriteFourEventsAndClose();  // c2's purchase, dated first, is logged third
  const LiabilityReport report =
      ReportOrDie(db.dir(), kT0 - 2 * kHourUs, kT0 - 30 * 60 * 1000000LL);
  ASSERT_EQ(report.events_read, 4u);
  ASSERT_EQ(report.events_in_period, 1u);
  EXPECT_TRUE(Row(report, "CREDITS:PURCHASE").granted == 300);
  EXPECT_TRUE(Row(report, "CREDITS:PURCHASE").opening == 0);
  EXPECT_TRUE(Row(report, "CREDITS:PURCHASE").closing == 300);
}

// docs/accounting.md, "The liability report in the journal": from the
// beginning, the credit rows summed over sources are the movements of the
// journal's credit accounts, and granted cash is what CUSTOMER_PREPAID took.
TEST(Liability, FromTheBeginningTheCreditRowsAreTheJournalsAccounts) {
  TestLedger db;
  const int steps = WriteEveryKind(db);
  const int64_t to = kT0 + steps * kHourUs;
  const LiabilityReport report = ReportOrDie(db.dir(), kMinTimeUs, to);
  absl::StatusOr<TrialBalance> tb = ComputeTrialBalance(db.dir(), to - 1);
  ASSERT_TRUE(tb.ok()) << tb.status();
  auto net = [&](const std::string& unit, v1::Account account) -> __int128 {
    for (const TrialBalanceLine& line : tb->lines) {
      if (line.unit == unit && line.account == account) return line.net();
    }
    return 0;
  };
  LiabilityRow credits;
  for (const LiabilityRow& row : report.units) {
    if (row.unit.rfind("CREDITS:", 0) != 0) continue;
    EXPECT_TRUE(row.opening == 0) << row.unit;
    credits.granted += row.granted;
    credits.used += row.used;
    credits.expired += row.expired;
    credits.forfeited += row.forfeited;
    credits.voided += row.voided;
    credits.refunded += row.refunded;
    credits.charged_back += row.charged_back;
    credits.closing += row.closing;
  }
  EXPECT_TRUE(credits.granted == net("CREDITS", v1::CREDITS_SOLD) +
                                     net("CREDITS", v1::CREDITS_COMPENSATION) +
                                     net("CREDITS", v1::CREDITS_PROMOTIONAL));
  EXPECT_TRUE(credits.voided == -net("CREDITS", v1::CREDITS_VOIDED));
  EXPECT_TRUE(credits.voided > 0);
  EXPECT_TRUE(credits.used == -net("CREDITS", v1::CREDITS_CONSUMED));
  EXPECT_TRUE(credits.expired == -net("CREDITS", v1::CREDITS_EXPIRED));
  EXPECT_TRUE(credits.forfeited == -net("CREDITS", v1::CREDITS_FORFEITED));
  EXPECT_TRUE(credits.refunded == -net("CREDITS", v1::CREDITS_REFUNDED));
  EXPECT_TRUE(credits.charged_back == -net("CREDITS", v1::CREDITS_CLAWED_BACK));
  EXPECT_TRUE(credits.closing == -(net("CREDITS", v1::CUSTOMER_LOTS) +
                                   net("CREDITS", v1::CUSTOMER_HELD) +
                                   net("CREDITS", v1::CUSTOMER_REFUND_PENDING)));
  for (const char* currency : {"EUR", "GBP", "USD"}) {
    __int128 prepaid_credited = 0;
    for (const TrialBalanceLine& line : tb->lines) {
      if (line.unit == currency && line.account == v1::CUSTOMER_PREPAID) {
        prepaid_credited = line.credit;
      }
    }
    EXPECT_TRUE(Row(report, currency).granted == prepaid_credited) << currency;
    // Refunded at cost, less the rounding the refunds kept, is the cash the
    // journal owes back.
    const LiabilityRow& row = Row(report, currency);
    EXPECT_TRUE(row.refunded - row.refund_rounding ==
                -net(currency, v1::REFUNDS_PAYABLE))
        << currency;
  }
}

// A refund pays floor(amount * n / granted) (docs/contract.md section 4);
// the report counts the credits at cost and names the minor unit the
// refund did not pay, only in the period of the approval.
TEST(Liability, ARefundPayingLessThanCostNamesTheRoundingItKept) {
  TestLedger db;
  for (const char* json : {
           // 3 credits for 1.00; 1 used (0.33); the other 2 cost 0.67 and
           // are refunded floor(100 * 2 / 3) = 0.66.
           R"({"key":"k1","customer":"c2","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":3,"amount_minor":100,"currency":"EUR"}})",
           R"({"key":"k2","customer":"c2","at":"2026-03-08T10:01:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":1}})",
           R"({"key":"k3","customer":"c2","at":"2026-03-08T10:02:00Z","request_refund":{"refund_id":"r1","purchase_id":"p1"}})",
           R"({"key":"k4","customer":"c2","at":"2026-03-08T10:03:00Z","approve_refund":{"refund_id":"r1"}})",
       }) {
    ASSERT_EQ(db.Code(json), "ACCEPTED") << json;
  }
  db.Close();
  const int64_t approval = kT0 + 3 * 60 * 1000000LL;
  const LiabilityRow eur = Row(ReportOrDie(db.dir(), kT0, approval + 1), "EUR");
  EXPECT_TRUE(eur.refunded == 67 && eur.refund_rounding == 1 && eur.adds_up())
      << "refunded " << static_cast<int64_t>(eur.refunded) << ", rounding "
      << static_cast<int64_t>(eur.refund_rounding);
  EXPECT_TRUE(Row(ReportOrDie(db.dir(), kT0, approval + 1), "CREDITS:PURCHASE")
                  .refund_rounding == 0);
  // A period after the approval carries neither the refund nor its rounding.
  const LiabilityRow later = Row(ReportOrDie(db.dir(), approval + 1, approval + 2), "EUR");
  EXPECT_TRUE(later.refunded == 0 && later.refund_rounding == 0 && later.adds_up());
}

TEST(Liability, CheckNamesEachUnitThatDoesNotAddUp) {
  LiabilityReport report;
  LiabilityRow good{.unit = "CREDITS:PURCHASE", .opening = 10, .granted = 5,
                    .used = 3, .expired = 1, .forfeited = 1, .refunded = 1,
                    .charged_back = 1, .closing = 8};
  LiabilityRow bad = good;
  bad.unit = "USD";
  bad.closing = 9;
  report.units = {good, bad};
  EXPECT_TRUE(good.adds_up());
  EXPECT_FALSE(bad.adds_up());
  absl::Status status = CheckLiabilityIdentity(report);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("USD"));
  EXPECT_THAT(status.message(), HasSubstr("= 8, but closing is 9"));
  EXPECT_THAT(status.message(), Not(HasSubstr("CREDITS:PURCHASE")));
  report.units = {good};
  EXPECT_TRUE(CheckLiabilityIdentity(report).ok());
}

TEST(Liability, AMissingLedgerIsNotFoundAndNotCreated) {
  TempDir dir;
  const std::string missing = dir.path() + "/nowhere";
  absl::StatusOr<LiabilityReport> report = LiabilityReportFor(missing, 0, 1);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kNotFound) << report.status();
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST(Liability, APeriodThatEndsBeforeItStartsIsRefused) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  EXPECT_EQ(LiabilityReportFor(db.dir(), kT0, kT0 - 1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ledger
