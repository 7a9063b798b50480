// Refunded cash has one meaning per report, and the reports reconcile
// (docs/accounting.md, "Refunded cash in each report"). Over a demo day, and
// over a part of it: the liability report's `refunded` (at cost) less its
// `refund_rounding` is the cash the trial balance's REFUNDS_PAYABLE took, the
// sum of the customers' statements' `cash_refunded`, and the demo report's
// "paid back"; the demo's "refunded" is the liability report's.
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "ledger/liability.h"
#include "ledger/statement.h"
#include "ledger/time_util.h"
#include "ledger/trial_balance.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

// Few enough that reading every customer's statement stays quick (each
// reads the whole log), enough that refunds of the day, and of its
// afternoon, pay less than their cost (seed 1: 11 and 4 minor units).
constexpr int kCustomers = 60;
// Every event of the demo's day is dated in it (the demo's hint says so).
constexpr char kFrom[] = "2026-03-08";
constexpr char kTo[] = "2026-03-10";

// Cash per currency, in minor units.
using Cash = std::map<std::string, int64_t>;

// One demo day, shared by the tests of a process: about a second.
class ReportReconciliation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = new std::string(dir_->path() + "/db");
    demo_json_ = new std::string();
    ASSERT_EQ(RunLedgerctl(absl::StrCat("demo --db ", *db_, " --customers ",
                                        kCustomers, " --threads 2 --format json"),
                           demo_json_),
              0)
        << *demo_json_;
  }
  static void TearDownTestSuite() {
    delete demo_json_;
    delete db_;
    delete dir_;
  }

  static google::protobuf::Struct Ledgerctl(const std::string& args) {
    std::string out;
    EXPECT_EQ(RunLedgerctl(absl::StrCat(args, " --db ", *db_, " --format json"),
                           &out, Stderr::kIntoOut),
              0)
        << args << "\n" << out;
    return ParseJsonObject(out);
  }

  // The change of cash_refunded over [from, to) summed over every
  // customer's statement, read from the log as `ledgerctl statement` does.
  static Cash StatementsRefunded(StatementPeriod period) {
    Cash sum;
    for (int i = 1; i <= kCustomers; ++i) {
      const std::string customer = absl::StrFormat("cust-%06d", i);
      absl::StatusOr<Statement> s = ReadStatement(*db_, customer, period);
      EXPECT_TRUE(s.ok()) << customer << ": " << s.status();
      if (!s.ok()) continue;
      for (const auto& [currency, minor] : s->closing.cash_refunded) {
        sum[currency] += minor;
      }
      for (const auto& [currency, minor] : s->opening.cash_refunded) {
        sum[currency] -= minor;
      }
    }
    return sum;
  }

  // What REFUNDS_PAYABLE took from the events dated before `before_us`.
  static Cash RefundsPayable(int64_t before_us) {
    Cash cash;
    absl::StatusOr<TrialBalance> tb = ComputeTrialBalance(*db_, before_us - 1);
    EXPECT_TRUE(tb.ok()) << tb.status();
    if (!tb.ok()) return cash;
    for (const TrialBalanceLine& line : tb->lines) {
      if (line.account == v1::REFUNDS_PAYABLE) {
        cash[line.unit] = static_cast<int64_t>(line.credit - line.debit);
      }
    }
    return cash;
  }

  static TempDir* dir_;
  static std::string* db_;
  static std::string* demo_json_;
};

TempDir* ReportReconciliation::dir_ = nullptr;
std::string* ReportReconciliation::db_ = nullptr;
std::string* ReportReconciliation::demo_json_ = nullptr;

int64_t Field(const google::protobuf::Struct& object, const std::string& name) {
  auto it = object.fields().find(name);
  EXPECT_NE(it, object.fields().end()) << name;
  return it == object.fields().end() ? -1
                                     : static_cast<int64_t>(it->second.number_value());
}

TEST_F(ReportReconciliation, OverTheDemosDayEveryReportAgreesOnTheCashRefunded) {
  // The liability report, at cost and with its rounding row.
  Cash at_cost;
  Cash rounding;
  const google::protobuf::Struct liability =
      Ledgerctl(absl::StrCat("liability --from ", kFrom, " --to ", kTo));
  for (const auto& value : liability.fields().at("units").list_value().values()) {
    const google::protobuf::Struct& unit = value.struct_value();
    const std::string name = unit.fields().at("unit").string_value();
    if (name.starts_with("CREDITS:")) {
      EXPECT_EQ(Field(unit, "refund_rounding"), 0) << name;
      continue;
    }
    at_cost[name] = Field(unit, "refunded");
    rounding[name] = Field(unit, "refund_rounding");
  }
  ASSERT_FALSE(at_cost.empty()) << "the day sold no cash";
  Cash paid_back;
  int64_t rounding_total = 0;
  for (const auto& [currency, cost] : at_cost) {
    paid_back[currency] = cost - rounding[currency];
    rounding_total += rounding[currency];
  }
  // Else the figures would agree without anything to explain.
  EXPECT_GT(rounding_total, 0) << "no refund of the day paid less than its cost";

  // The trial balance: REFUNDS_PAYABLE's credit, per currency.
  Cash journal;
  const google::protobuf::Struct tb = Ledgerctl("trial-balance");
  for (const auto& value : tb.fields().at("lines").list_value().values()) {
    const google::protobuf::Struct& line = value.struct_value();
    if (line.fields().at("account").string_value() != "REFUNDS_PAYABLE") continue;
    journal[line.fields().at("unit").string_value()] = -Field(line, "net");
  }
  for (const auto& [currency, minor] : journal) {
    EXPECT_GT(minor, 0) << currency;
  }
  Cash paid_back_nonzero;
  for (const auto& [currency, minor] : paid_back) {
    if (minor != 0) paid_back_nonzero[currency] = minor;
  }
  EXPECT_EQ(journal, paid_back_nonzero);
  EXPECT_EQ(StatementsRefunded({}), paid_back_nonzero);

  // The demo's own report: refunded at cost = paid back + rounding.
  const google::protobuf::Struct demo = ParseJsonObject(*demo_json_);
  int currencies = 0;
  for (const auto& value : demo.fields().at("cash").list_value().values()) {
    const google::protobuf::Struct& cash = value.struct_value();
    const std::string currency = cash.fields().at("currency").string_value();
    EXPECT_EQ(Field(cash, "refunded_minor"), at_cost[currency]) << currency;
    EXPECT_EQ(Field(cash, "refunded_paid_minor"), paid_back[currency]) << currency;
    EXPECT_EQ(Field(cash, "refund_rounding_minor"), rounding[currency]) << currency;
    ++currencies;
  }
  EXPECT_EQ(static_cast<size_t>(currencies), at_cost.size());
}

// A period that starts mid-day: the same identity holds for the flows of
// the period, with a trial balance's difference between its two ends and
// the statements' change from their opening to their closing.
TEST_F(ReportReconciliation, OverTheAfternoonTheReportsAgreeToo) {
  const int64_t noon = *ParseTimeUs("2026-03-08T12:00:00Z");
  const int64_t end = *ParseTimeUs("2026-03-10T00:00:00Z");
  absl::StatusOr<LiabilityReport> report = LiabilityReportFor(*db_, noon, end);
  ASSERT_TRUE(report.ok()) << report.status();
  Cash paid_back;
  __int128 rounding = 0;
  for (const LiabilityRow& row : report->units) {
    if (row.unit.starts_with("CREDITS:")) continue;
    const int64_t minor = static_cast<int64_t>(row.refunded - row.refund_rounding);
    if (minor != 0) paid_back[row.unit] = minor;
    rounding += row.refund_rounding;
  }
  ASSERT_FALSE(paid_back.empty()) << "no refund was approved in the afternoon";
  EXPECT_TRUE(rounding > 0) << "no refund of the afternoon paid less than its cost";
  Cash journal = RefundsPayable(end);
  for (const auto& [currency, minor] : RefundsPayable(noon)) {
    journal[currency] -= minor;
  }
  std::erase_if(journal, [](const auto& entry) { return entry.second == 0; });
  EXPECT_EQ(journal, paid_back);
  Cash statements = StatementsRefunded({.from_us = noon, .to_us = end});
  std::erase_if(statements, [](const auto& entry) { return entry.second == 0; });
  EXPECT_EQ(statements, paid_back);
}

}  // namespace
}  // namespace ledger::testing
