// docs/contract.md section 8: a command's metadata is shown by the statement
// (text, json, csv), the jsonl export and tail, keys sorted whatever order they
// came in.
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "ledger/export.h"
#include "ledger/log_reader.h"
#include "ledger/statement.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

constexpr char kBuy[] =
    R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":10,"currency":"USD"},"metadata":{"ticket":"T-42","call.id":"ca_9"}})";

TEST(MetadataShown, InEveryStatementFormat) {
  testing::TestLedger db;
  ASSERT_EQ(db.Code(kBuy), "ACCEPTED");
  absl::StatusOr<Statement> s = BuildStatement(*db, "c1", StatementPeriod());
  ASSERT_TRUE(s.ok()) << s.status();
  const std::string text = RenderStatement(*s, StatementFormat::kText);
  EXPECT_NE(text.find("[call.id=ca_9, ticket=T-42]"), std::string::npos) << text;
  const std::string csv = RenderStatement(*s, StatementFormat::kCsv);
  EXPECT_NE(csv.find("[call.id=ca_9, ticket=T-42]"), std::string::npos) << csv;
  const std::string json = RenderStatement(*s, StatementFormat::kJsonl);
  EXPECT_NE(json.find(R"("metadata": {"call.id": "ca_9", "ticket": "T-42"})"),
            std::string::npos)
      << json;
}

TEST(MetadataShown, InTheExportAndTheTailLine) {
  testing::TestLedger db;
  ASSERT_EQ(db.Code(kBuy), "ACCEPTED");
  db.Close();
  int seen = 0;
  ASSERT_TRUE(ReadLog(db.dir(), 1, [&](const LogEvent& e) {
                ++seen;
                const std::string want =
                    R"("metadata": {"call.id": "ca_9", "ticket": "T-42"})";
                EXPECT_NE(ExportEvent(e, ExportFormat::kJsonl).find(want),
                          std::string::npos);
                EXPECT_NE(TailJsonLine(e).find(want), std::string::npos)
                    << TailJsonLine(e);
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(seen, 1);
}

TEST(MetadataShown, NothingWhenTheCommandHasNone) {
  testing::TestLedger db;
  ASSERT_EQ(db.Code(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":10,"currency":"USD"}})"),
            "ACCEPTED");
  db.Close();
  ASSERT_TRUE(ReadLog(db.dir(), 1, [&](const LogEvent& e) {
                EXPECT_EQ(TailJsonLine(e).find("metadata"), std::string::npos);
                return absl::OkStatus();
              }).ok());
}

}  // namespace
}  // namespace ledger
