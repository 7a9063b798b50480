// `ledgerctl statement` and the pieces behind it: the running balance folded
// from the postings must agree with the balance query after every event, the
// period splits opening balance from rows, and the three formats say the
// same thing. The rendering of commands is checked to parse back (export and
// import rely on it).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ledger/audit/event_render.h"
#include "ledger/rules/command_validation.h"
#include "ledger/statement.h"
#include "ledger/time_util.h"
#include "tests/test_util.h"
#include "tests/tools/scenario_ledger.h"

namespace ledger::testing {
namespace {

using google::protobuf::Struct;

v1::Event EventAt(Ledger& ledger, uint64_t seq) {
  v1::Event out;
  EXPECT_TRUE(ledger.ReadEvents(seq, [&](const v1::Event& e) {
                      out = e;
                      return false;
                    }).ok());
  return out;
}

int64_t SumOfLots(const Balance& b) {
  int64_t sum = 0;
  for (const LotBalance& lot : b.lots) sum += lot.remaining;
  return sum;
}

// The statement's closing balance must be the balance query's, field by
// field (RunningBalance's definition in ledger/statement.h).
void ExpectAgrees(const RunningBalance& closing, const Balance& balance,
                  const std::string& where) {
  EXPECT_EQ(closing.in_lots, SumOfLots(balance)) << where;
  EXPECT_EQ(closing.held, balance.held) << where;
  EXPECT_EQ(closing.refund_pending, balance.refund_pending) << where;
}

TEST(StatementTest, RunningBalanceAfterEveryEventAgreesWithTheBalanceQuery) {
  int checked = 0;
  TestLedger ledger;
  {
    for (const std::string& line : ScenarioCommands()) {
      const SubmitResult r = ledger.Json(line);
      if (r.outcome != Outcome::kAccepted) continue;
      const v1::Event event = EventAt(*ledger, r.seq);
      const std::string& customer = event.header().customer();
      if (customer.empty()) continue;  // set_policy
      absl::StatusOr<Statement> s = BuildStatement(*ledger, customer, {});
      ASSERT_TRUE(s.ok()) << s.status();
      ASSERT_FALSE(s->entries.empty());
      EXPECT_EQ(s->entries.back().event.header().seq(), r.seq);
      EXPECT_EQ(s->entries.back().balance, s->closing);
      absl::StatusOr<Balance> b =
          ledger->GetBalance(customer, event.header().at_us());
      ASSERT_TRUE(b.ok()) << b.status();
      ExpectAgrees(s->closing, *b, "after seq " + std::to_string(r.seq));
      ++checked;
    }
  }
  EXPECT_GT(checked, 500);
}

constexpr char kBuy[] =
    R"({"key": "k1", "customer": "c1", "at": "2026-03-08T10:00:00Z", )"
    R"("purchase": {"purchase_id": "p1", "credits": 1000, )"
    R"("amount_minor": 1999, "currency": "USD"}})";
constexpr char kUse[] =
    R"({"key": "k2", "customer": "c1", "at": "2026-03-09T10:00:00Z", )"
    R"("use": {"usage_id": "u1", "category": "AI_PROCESSING", "credits": 60}})";
constexpr char kHold[] =
    R"({"key": "k3", "customer": "c1", "at": "2026-03-10T10:00:00Z", )"
    R"("hold": {"hold_id": "h1", "credits": 100, )"
    R"("expires_at": "2026-03-10T11:00:00Z"}})";
constexpr char kRefund[] =
    R"({"key": "k4", "customer": "c1", "at": "2026-03-11T10:00:00Z", )"
    R"("request_refund": {"refund_id": "r1", "purchase_id": "p1"}})";
constexpr char kApprove[] =
    R"({"key": "k5", "customer": "c1", "at": "2026-03-12T10:00:00Z", )"
    R"("approve_refund": {"refund_id": "r1"}})";
constexpr char kOther[] =
    R"({"key": "k6", "customer": "c2", "at": "2026-03-09T12:00:00Z", )"
    R"("purchase": {"purchase_id": "p1", "credits": 5, )"
    R"("amount_minor": 100, "currency": "EUR"}})";

void SubmitAll(TestLedger& ledger) {
  for (const char* json : {kBuy, kOther, kUse, kHold, kRefund, kApprove}) {
    ASSERT_EQ(OutcomeName(ledger.Json(json)), "ACCEPTED") << json;
  }
}

TEST(StatementTest, EventsBeforeFromFeedTheOpeningBalanceAndToEndsTheRows) {
  TestLedger ledger;
  SubmitAll(ledger);
  StatementPeriod period;
  period.from_us = *ParseTimeUs("2026-03-09T00:00:00Z");
  period.to_us = *ParseTimeUs("2026-03-11T00:00:00Z");
  absl::StatusOr<Statement> s = BuildStatement(*ledger, "c1", period);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->opening.in_lots, 1000);
  ASSERT_EQ(s->entries.size(), 2u);  // use and hold; not c2's purchase
  EXPECT_EQ(s->entries[0].event.command().key(), "k2");
  EXPECT_EQ(s->entries[0].change, -60);
  EXPECT_EQ(s->entries[1].change, -100);
  EXPECT_EQ(s->closing.in_lots, 840);
  EXPECT_EQ(s->closing.held, 100);
  EXPECT_EQ(s->closing.total(), 940);
}

// [from, to): an event dated exactly at `from` is in, one exactly at `to`
// is out, so that consecutive periods share no event.
TEST(StatementTest, AnEventAtFromIsInAndAnEventAtToIsOut) {
  TestLedger ledger;
  SubmitAll(ledger);
  StatementPeriod period;
  period.from_us = *ParseTimeUs("2026-03-09T10:00:00Z");  // the use
  period.to_us = *ParseTimeUs("2026-03-10T10:00:00Z");    // the hold
  absl::StatusOr<Statement> s = BuildStatement(*ledger, "c1", period);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->entries.size(), 1u);
  EXPECT_EQ(s->entries[0].event.command().key(), "k2");
  EXPECT_EQ(s->closing.held, 0);  // the hold falls in the next period
  StatementPeriod next;
  next.from_us = period.to_us;
  absl::StatusOr<Statement> after = BuildStatement(*ledger, "c1", next);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_FALSE(after->entries.empty());
  EXPECT_EQ(after->entries[0].event.command().key(), "k3");
  EXPECT_EQ(after->opening, s->closing);
}

TEST(StatementTest, ApprovedRefundShowsAsCashRefundedPerCurrency) {
  TestLedger ledger;
  SubmitAll(ledger);
  absl::StatusOr<Statement> s = BuildStatement(*ledger, "c1", {});
  ASSERT_TRUE(s.ok()) << s.status();
  // The hold still holds 100; the other 840 were frozen, then refunded:
  // floor(1999 * 840 / 1000) = 1679.
  EXPECT_EQ(s->closing.in_lots, 0);
  EXPECT_EQ(s->closing.held, 100);
  EXPECT_EQ(s->closing.refund_pending, 0);
  ASSERT_EQ(s->closing.cash_refunded.size(), 1u);
  EXPECT_EQ(s->closing.cash_refunded.at("USD"), 1679);
}

TEST(StatementTest, StatementOfAnUnknownCustomerIsNotFound) {
  TestLedger ledger;
  SubmitAll(ledger);
  EXPECT_TRUE(absl::IsNotFound(BuildStatement(*ledger, "nobody", {}).status()));
}

// The log read alone (as `ledgerctl statement` does, beside a live writer
// too) gives the statement the open ledger gives, period and all.
TEST(StatementTest, StatementFromTheLogAloneEqualsTheOneFromTheLedger) {
  TestLedger ledger;
  SubmitAll(ledger);
  StatementPeriod period;
  period.from_us = *ParseTimeUs("2026-03-09T00:00:00Z");
  for (const StatementPeriod& p : {StatementPeriod{}, period}) {
    for (const std::string customer : {"c1", "c2"}) {
      absl::StatusOr<Statement> open = BuildStatement(*ledger, customer, p);
      absl::StatusOr<Statement> log =
          ReadStatement(ledger.dir(), customer, p);
      ASSERT_TRUE(open.ok() && log.ok()) << open.status() << log.status();
      EXPECT_EQ(RenderStatement(*log, StatementFormat::kJsonl),
                RenderStatement(*open, StatementFormat::kJsonl))
          << customer;
    }
  }
  EXPECT_TRUE(absl::IsNotFound(
      ReadStatement(ledger.dir(), "nobody", {}).status()));
}

TEST(StatementTest, CommandJsonParsesBackToTheSameCanonicalCommand) {
  int checked = 0;
  for (const std::string& file : ScenarioFiles()) {
    for (const std::string& line : NonBlankLines(file)) {
      absl::StatusOr<v1::Command> command = ParseCommandJson(line);
      if (!command.ok() || !ValidateAndCanonicalize(*command).ok()) continue;
      const std::string json = CommandJson(*command);
      absl::StatusOr<v1::Command> back = ParseCommandJson(json);
      ASSERT_TRUE(back.ok()) << json << ": " << back.status();
      ASSERT_TRUE(ValidateAndCanonicalize(*back).ok()) << json;
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*command,
                                                                     *back))
          << json;
      EXPECT_EQ(json.find("\"credits\": \""), std::string::npos)
          << "numbers must be JSON numbers: " << json;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(StatementTest, MoneyIsShownWithTheCurrencysDecimals) {
  EXPECT_EQ(FormatMoney(1999, "USD"), "19.99 USD");
  EXPECT_EQ(FormatMoney(5, "EUR"), "0.05 EUR");
  EXPECT_EQ(FormatMoney(500, "JPY"), "500 JPY");
  EXPECT_EQ(FormatMoney(1234, "KWD"), "1.234 KWD");
}

// --- the command line ---

double Number(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  EXPECT_NE(it, s.fields().end()) << name;
  return it == s.fields().end() ? -1 : it->second.number_value();
}

// A ledger built with `ledgerctl apply` from every scenario file
// (scenario_ledger.h), once for the suite.
class StatementCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = dir_->path() + "/db";
    ASSERT_TRUE(BuildScenarioLedger(db_, dir_->path() + "/commands.jsonl"));
    ASSERT_EQ(RunLedgerctl("export --db " + db_ + " --format jsonl", &export_),
              0);
    for (const std::string& line : SplitLines(export_)) {
      Struct event;
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &event).ok());
      const std::string c = event.fields().at("customer").string_value();
      if (!c.empty()) customers_.insert(c);
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  static TempDir* dir_;
  static std::string db_, export_;
  static std::set<std::string> customers_;
};

TempDir* StatementCliTest::dir_ = nullptr;
std::string StatementCliTest::db_, StatementCliTest::export_;
std::set<std::string> StatementCliTest::customers_;

TEST_F(StatementCliTest, JsonClosingBalanceEqualsLedgerctlBalanceForEveryCustomer) {
  std::string out;
  int customers = 0;
  for (const std::string& customer : customers_) {
    ASSERT_EQ(RunLedgerctl(absl::StrCat("balance --db ", db_, " --customer ",
                                     customer, " --at 2027-01-01T00:00:00Z"),
                        &out),
              0);
    const Struct balance = ParseJsonObject(out);
    int64_t lots = 0;
    for (const auto& lot : balance.fields().at("lots").list_value().values()) {
      lots += static_cast<int64_t>(Number(lot.struct_value(), "remaining"));
    }
    ASSERT_EQ(RunLedgerctl(absl::StrCat("statement --db ", db_, " --customer ",
                                     customer, " --format jsonl"),
                        &out),
              0);
    const std::vector<std::string> lines = SplitLines(out);
    ASSERT_GE(lines.size(), 3u) << out;
    const Struct closing = ParseJsonObject(lines.back());
    EXPECT_EQ(closing.fields().at("type").string_value(), "closing");
    EXPECT_EQ(Number(closing, "events"), lines.size() - 2);
    const Struct& b = closing.fields().at("balance").struct_value();
    EXPECT_EQ(Number(b, "in_lots"), lots) << customer;
    EXPECT_EQ(Number(b, "held"), Number(balance, "held")) << customer;
    EXPECT_EQ(Number(b, "refund_pending"), Number(balance, "refund_pending"))
        << customer;
    // The last event row carries the same running balance.
    const Struct last = ParseJsonObject(lines[lines.size() - 2]);
    EXPECT_EQ(last.fields().at("type").string_value(), "event");
    EXPECT_EQ(Number(last.fields().at("balance").struct_value(), "total"),
              Number(b, "total"));
    ++customers;
  }
  EXPECT_GE(customers, 20);
}

TEST_F(StatementCliTest, TextHasAHeaderOneLinePerEventAndIndentedPostings) {
  TempDir dir;
  const std::string db = dir.path() + "/db";
  const std::string input = dir.path() + "/in.jsonl";
  std::ofstream(input) << kBuy << "\n" << kOther << "\n" << kUse << "\n";
  std::string out;
  ASSERT_EQ(RunLedgerctl("apply --db " + db + " " + input, &out), 0);
  ASSERT_EQ(RunLedgerctl("statement --db " + db + " --customer c1", &out), 0);
  EXPECT_NE(out.find("Statement of customer c1"), std::string::npos) << out;
  EXPECT_NE(out.find("Opening balance:  0 credits in lots"), std::string::npos)
      << out;
  EXPECT_NE(out.find("Closing balance:  940 credits in lots"), std::string::npos)
      << out;
  const std::vector<std::string> lines = SplitLines(out);
  auto line_with = [&](const std::string& text) {
    auto it = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.find(text) != std::string::npos;
    });
    return it == lines.end() ? std::string() : *it;
  };
  const std::string buy = line_with("Purchased 1000 credits (lot p1) for 19.99 USD");
  EXPECT_NE(buy.find("2026-03-08T10:00:00Z"), std::string::npos) << out;
  EXPECT_NE(buy.find("+1000"), std::string::npos) << buy;
  EXPECT_NE(buy.find("2026-03-07"), std::string::npos) << "policy: " << buy;
  const std::string use = line_with("Used 60 credits for AI_PROCESSING");
  EXPECT_NE(use.find("-60"), std::string::npos) << use;
  EXPECT_NE(use.find(" 940 "), std::string::npos) << use;
  EXPECT_EQ(line_with("credits (lot p1) for 1.00 EUR"), "") << "c2's event";
  EXPECT_TRUE(line_with("Dr CREDITS_SOLD").starts_with("      ")) << out;
  EXPECT_TRUE(line_with("Cr CREDITS_CONSUMED").starts_with("      ")) << out;
}

// Splits one RFC 4180 record (no line breaks inside fields here).
std::vector<std::string> CsvRecord(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

TEST_F(StatementCliTest, CsvHasAHeaderRowAndTheSameRowsAsJson) {
  // A dozen customers are enough to cover the event kinds; every run of
  // ledgerctl costs about 0.1 s.
  int left = 12;
  for (const std::string& customer : customers_) {
    if (left-- == 0) break;
    std::string csv, json;
    ASSERT_EQ(RunLedgerctl(absl::StrCat("statement --db ", db_, " --customer ",
                                     customer, " --format csv"),
                        &csv),
              0);
    ASSERT_EQ(RunLedgerctl(absl::StrCat("statement --db ", db_, " --customer ",
                                     customer, " --format jsonl"),
                        &json),
              0);
    const std::vector<std::string> rows = SplitLines(csv);
    const std::vector<std::string> objects = SplitLines(json);
    ASSERT_EQ(rows.size(), objects.size() + 1) << csv;  // + the header row
    const std::vector<std::string> header = CsvRecord(rows[0]);
    EXPECT_EQ(header[0], "type");
    for (size_t i = 1; i < rows.size(); ++i) {
      EXPECT_TRUE(rows[i].ends_with("\r")) << "CRLF: " << rows[i];
      const std::vector<std::string> record = CsvRecord(rows[i]);
      ASSERT_EQ(record.size(), header.size()) << rows[i];
      const Struct object = ParseJsonObject(objects[i - 1]);
      EXPECT_EQ(record[0], object.fields().at("type").string_value());
      // Compared as text: totals near 10^18 do not fit a double.
      EXPECT_NE(objects[i - 1].find(absl::StrCat("\"total\": ", record[12], ",")),
                std::string::npos)
          << rows[i];
      if (record[0] == "event") {
        EXPECT_EQ(record[6], object.fields().at("description").string_value());
      }
    }
  }
}

// The platform keeps its ledger open; support still gets statements.
TEST(StatementTest, StatementRunsBesideALiveWriter) {
  TestLedger ledger;
  SubmitAll(ledger);
  std::string out;
  ASSERT_EQ(RunLedgerctl("statement --db " + ledger.dir() +
                          " --customer c1 --format jsonl",
                      &out),
            0);
  EXPECT_NE(out.find("\"k5\""), std::string::npos) << out;  // the approval
  EXPECT_EQ(OutcomeName(ledger.Json(
                R"({"key": "k7", "customer": "c2", "at": "2026-03-13T10:00:00Z", )"
                R"("use": {"usage_id": "u9", "category": "TELEPHONY_USAGE", "credits": 1}})")),
            "ACCEPTED");
}

TEST_F(StatementCliTest, BadStatementUsageAndUnknownCustomer) {
  std::string out;
  EXPECT_EQ(RunLedgerctl("statement --db " + db_ + " --customer nobody", &out), 1);
  EXPECT_EQ(out, "");
  EXPECT_EQ(RunLedgerctl("statement --db " + db_ + " --customer s1-c1 --format xml", &out), 2);
  EXPECT_EQ(RunLedgerctl("statement --db " + db_ + " --customer s1-c1 --from soon", &out), 2);
  EXPECT_EQ(RunLedgerctl("statement --db " + db_ +
                          " --customer s1-c1 --from 2026-03-02T00:00:00Z"
                          " --to 2026-03-01T00:00:00Z",
                      &out),
            2);
  EXPECT_EQ(RunLedgerctl("statement --help", &out), 0);
  EXPECT_NE(out.find("usage: ledgerctl statement"), std::string::npos);
}

}  // namespace
}  // namespace ledger::testing
