// The strict reader of the plain command form (command_json_reader.h):
// every command kind and optional field read exactly as ParseCommandJson
// reads it (the same deterministic bytes), and every line it must leave to
// ParseCommandJson declined. tests/fuzz/fuzz_command_json_reader.cc looks
// for a line the two read differently.
#include "ledger/write_path/command_json_reader.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/base/deterministic_bytes.h"
#include "ledger/command_json.h"
#include "ledger/limits.h"
#include "ledger/rules/command_validation.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

// A command of `kind` with `body`, for customer c1 at 2026-03-08T10:00:00Z.
std::string Kind(const std::string& kind, const std::string& body) {
  return absl::StrCat(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z",")",
                      kind, R"(":{)", body, "}}");
}

// The reader reads `json`, and to the byte what ParseCommandJson reads.
void ExpectReadAlike(const std::string& json) {
  absl::StatusOr<v1::Command> slow = ParseCommandJson(json);
  ASSERT_TRUE(slow.ok()) << json << "\n" << slow.status();
  v1::Command fast;
  ASSERT_TRUE(ReadPlainCommandJson(json, &fast)) << "declined: " << json;
  EXPECT_EQ(SerializeDeterministic(fast), SerializeDeterministic(*slow)) << json;
  EXPECT_EQ(fast.DebugString(), slow->DebugString()) << json;
}

void ExpectDeclined(const std::string& json) {
  v1::Command fast;
  EXPECT_FALSE(ReadPlainCommandJson(json, &fast)) << "read: " << json;
}

TEST(CommandJsonReaderTest, ReadsEveryGrantingKindWithAndWithoutItsOptionalFields) {
  ExpectReadAlike(Kind("purchase",
                       R"("purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD")"));
  ExpectReadAlike(Kind("purchase",
                       R"("purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD",)"
                       R"("expires_at":"2026-06-08T10:00:00Z","applies_to":["AI_PROCESSING",)"
                       R"("VOICE_GENERATION"],"priority":10,"top_up_request_id":"topup-1")"));
  ExpectReadAlike(Kind("subscribe",
                       R"("period_id":"s1","plan":"pro","credits":500,"amount_minor":4900,)"
                       R"("currency":"EUR","period_end":"2026-04-08T10:00:00Z")"));
  ExpectReadAlike(Kind("subscribe",
                       R"("period_id":"s1","plan":"pro","credits":500,"amount_minor":4900,)"
                       R"("currency":"EUR","period_end":"2026-04-08T10:00:00Z",)"
                       R"("credits_expire_at":"2026-05-08T10:00:00Z","applies_to":["REGULATORY_FEE"],)"
                       R"("priority":0)"));
  ExpectReadAlike(Kind("renew", R"("period_id":"s2","credits":500,"amount_minor":4900,)"
                                R"("period_end":"2026-05-08T10:00:00Z")"));
  ExpectReadAlike(Kind("renew", R"("period_id":"s2","credits":500,"amount_minor":4900,)"
                                R"("period_end":"2026-05-08T10:00:00Z",)"
                                R"("credits_expire_at":"2026-06-08T10:00:00Z",)"
                                R"("applies_to":["TELEPHONY_USAGE"],"priority":100)"));
  ExpectReadAlike(Kind("compensate", R"("adjustment_id":"a1","usage_id":"u1","credits":5,)"
                                     R"("verified_by":"ops on-call")"));
  ExpectReadAlike(Kind("compensate", R"("adjustment_id":"a1","usage_id":"u1","credits":5,)"
                                     R"("verified_by":"ops","expires_at":"2026-04-08T10:00:00Z",)"
                                     R"("applies_to":["AUTOMATED_CALL"],"priority":1)"));
  ExpectReadAlike(Kind("grant", R"("grant_id":"g1","credits":100,"reason":"sign-up bonus")"));
  ExpectReadAlike(Kind("grant", R"("grant_id":"g1","credits":100,"reason":"bonus",)"
                                R"("expires_at":"2026-04-08T10:00:00Z",)"
                                R"("applies_to":["CAMPAIGN_EXECUTION"],"priority":5)"));
}

TEST(CommandJsonReaderTest, ReadsEverySpendingAndHoldingKind) {
  ExpectReadAlike(Kind("use", R"("usage_id":"u1","category":"AI_PROCESSING","credits":60)"));
  ExpectReadAlike(Kind("use", R"("usage_id":"u1","category":"TELEPHONY_USAGE","credits":60,)"
                              R"("provider":"TWILIO","campaign_id":"cmp-1","call_id":"call:9")"));
  ExpectReadAlike(Kind("hold", R"("hold_id":"h1","credits":10,"expires_at":"2026-03-08T11:00:00Z")"));
  ExpectReadAlike(Kind("hold", R"("hold_id":"h1","credits":10,"expires_at":"2026-03-08T11:00:00Z",)"
                               R"("category":"VOICE_GENERATION")"));
  ExpectReadAlike(Kind("capture", R"("hold_id":"h1","usage_id":"u2","category":"AI_PROCESSING",)"
                                  R"("credits":4)"));
  ExpectReadAlike(Kind("capture", R"("hold_id":"h1","usage_id":"u2","category":"AI_PROCESSING",)"
                                  R"("credits":4,"provider":"TELNYX","campaign_id":"c","call_id":"x")"));
  ExpectReadAlike(Kind("release", R"("hold_id":"h1")"));
}

TEST(CommandJsonReaderTest, ReadsEveryRefundAccountAndPolicyKind) {
  ExpectReadAlike(Kind("request_refund", R"("refund_id":"r1","purchase_id":"p1")"));
  ExpectReadAlike(Kind("approve_refund", R"("refund_id":"r1")"));
  ExpectReadAlike(Kind("deny_refund", R"("refund_id":"r1")"));
  ExpectReadAlike(Kind("deny_refund", R"("refund_id":"r1","reason":"outside the window")"));
  ExpectReadAlike(Kind("cancel_subscription", ""));
  ExpectReadAlike(Kind("expire", ""));
  ExpectReadAlike(Kind("reinstate", ""));
  ExpectReadAlike(Kind("forfeit", ""));
  ExpectReadAlike(Kind("suspend", R"("reason":"FRAUD")"));
  ExpectReadAlike(Kind("terminate", R"("reason":"SPAM_CALLING")"));
  ExpectReadAlike(Kind("chargeback", R"("purchase_id":"p1","contacted_support":true)"));
  ExpectReadAlike(Kind("chargeback", R"("purchase_id":"p1","contacted_support":false)"));
  ExpectReadAlike(Kind("void_grant", R"("lot_id":"g1","reason":"abuse")"));
  ExpectReadAlike(Kind("set_alerts", R"("thresholds":[])"));
  ExpectReadAlike(Kind("set_alerts", R"("thresholds":[{"code":"low","credits":100},)"
                                     R"({"code":"empty","credits":0}])"));
  ExpectReadAlike(Kind("set_auto_top_up", ""));
  ExpectReadAlike(Kind("set_auto_top_up", R"("below":100,"target":1000)"));
  ExpectReadAlike(Kind("decline_top_up", R"("request_id":"topup-1","reason":"card declined")"));
  ExpectReadAlike(R"({"key":"k1","at":"2026-03-08T10:00:00Z","set_policy":{"version":"v2",)"
                  R"("refund_window_hours":24,"inquiry_window_hours":48}})");
  ExpectReadAlike(R"({"key":"k1","at":"2026-03-08T10:00:00Z","set_policy":{"version":"v2",)"
                  R"("refund_window_hours":24,"inquiry_window_hours":48,)"
                  R"("clock_skew_seconds":30,"four_eyes":true}})");
}

TEST(CommandJsonReaderTest, ReadsTheCommonFieldsInAnyOrderAndWithJsonWhitespace) {
  // No `at` (the ledger stamps it), metadata, and every key order.
  ExpectReadAlike(R"({"key":"k1","customer":"c1","use":{"usage_id":"u1",)"
                  R"("category":"AI_PROCESSING","credits":1}})");
  ExpectReadAlike(R"({"use":{"credits":1,"category":"AI_PROCESSING","usage_id":"u1"},)"
                  R"("metadata":{"z.last":"1","a_first":"","order-id":"o-77"},)"
                  R"("customer":"c1","key":"k1","at":"2026-03-08T10:00:00Z"})");
  ExpectReadAlike(R"({"key":"k1","customer":"c1","metadata":{},"expire":{}})");
  ExpectReadAlike(" \t{ \"key\" : \"k1\" ,\r\n \"customer\":\"c1\", \"expire\" : { } }\r\n ");
  // UTF-8 beyond ASCII, in free text and metadata, as it is written.
  ExpectReadAlike(Kind("deny_refund", R"("refund_id":"r1","reason":"Kündigung – 返金")"));
  // The largest integer both read exactly, and zero.
  ExpectReadAlike(Kind("use", R"("usage_id":"u1","category":"AI_PROCESSING",)"
                              R"("credits":9007199254740991)"));
  ExpectReadAlike(Kind("set_auto_top_up", R"("below":0,"target":1)"));
  // Negative numbers are out of every range, but the parse reads them (the
  // validation refuses them later): the reader reads the same.
  ExpectReadAlike(Kind("use", R"("usage_id":"u1","category":"AI_PROCESSING",)"
                              R"("credits":-9007199254740991)"));
  ExpectReadAlike(Kind("set_auto_top_up", R"("below":-1,"target":-0)"));
}

TEST(CommandJsonReaderTest, ReadsLinesThatAreInvalidCommandsButParseAsTheProtobufPathParsesThem) {
  // Step 1 of section 5 judges these later (ValidateAndCanonicalize); the
  // parse itself gives a command, and the reader gives the same one.
  ExpectReadAlike(Kind("use", R"("usage_id":"bad id!","category":"NOPE","credits":0)"));
  ExpectReadAlike(R"({"customer":"c1","expire":{}})");  // no key
  ExpectReadAlike(R"({"key":"k1","customer":"c1"})");   // no kind
  ExpectReadAlike(Kind("purchase", R"("credits":5000000000000000)"));  // > 10^15, < 2^53
}

TEST(CommandJsonReaderTest, DeclinesUnknownFieldsAndTheFieldsTheLedgerSets) {
  ExpectDeclined(R"({"key":"k1","customer":"c1","colour":"red","expire":{}})");
  ExpectDeclined(Kind("use", R"("usage_id":"u1","category":"AI_PROCESSING","credits":1,"x":1)"));
  ExpectDeclined(Kind("use", R"("usageId":"u1","category":"AI_PROCESSING","credits":1)"));
  ExpectDeclined(R"({"key":"k1","customer":"c1","actor":"me","expire":{}})");
  ExpectDeclined(R"({"key":"k1","customer":"c1","recorded_at":"2026-03-08T10:00:00Z","expire":{}})");
  ExpectDeclined(Kind("set_alerts", R"("thresholds":[{"code":"low","credits":1,"state":"x"}])"));
}

TEST(CommandJsonReaderTest, DeclinesEveryEscapeAndDuplicateKey) {
  ExpectDeclined(Kind("deny_refund", R"("refund_id":"r1","reason":"say \"no\"")"));
  ExpectDeclined(Kind("deny_refund", R"("refund_id":"r1","reason":"\u00e9")"));
  ExpectDeclined(Kind("deny_refund", R"("refund_id":"r1","reason":"a\/b")"));
  ExpectDeclined(R"({"k\u0065y":"k1","customer":"c1","expire":{}})");
  ExpectDeclined(R"({"key":"k1","key":"k2","customer":"c1","expire":{}})");
  ExpectDeclined(Kind("use", R"("usage_id":"u1","usage_id":"u2","category":"AI_PROCESSING","credits":1)"));
  ExpectDeclined(Kind("set_alerts", R"("thresholds":[],"thresholds":[])"));
  ExpectDeclined(R"({"key":"k1","customer":"c1","metadata":{"a":"1","a":"2"},"expire":{}})");
  ExpectDeclined(R"({"key":"k1","customer":"c1","expire":{},"forfeit":{}})");  // two kinds
}

TEST(CommandJsonReaderTest, DeclinesNumbersItCannotReadExactlyAsProtobufDoes) {
  const std::string use = R"("usage_id":"u1","category":"AI_PROCESSING","credits":)";
  ExpectDeclined(Kind("use", use + "9007199254740992"));  // 2^53
  ExpectDeclined(Kind("use", use + "18446744073709551616"));
  ExpectDeclined(Kind("use", use + "-9007199254740992"));
  ExpectDeclined(Kind("use", use + "1.0"));
  ExpectDeclined(Kind("use", use + "1e3"));
  ExpectDeclined(Kind("use", use + "01"));
  ExpectDeclined(Kind("use", use + "\"60\""));
  ExpectDeclined(Kind("use", use + "null"));
}

TEST(CommandJsonReaderTest, DeclinesWrongTypesAndShapes) {
  ExpectDeclined(Kind("use", R"("usage_id":7,"category":"AI_PROCESSING","credits":1)"));
  ExpectDeclined(Kind("use", R"("usage_id":null,"category":"AI_PROCESSING","credits":1)"));
  ExpectDeclined(Kind("chargeback", R"("purchase_id":"p1","contacted_support":"yes")"));
  ExpectDeclined(Kind("chargeback", R"("purchase_id":"p1","contacted_support":1)"));
  ExpectDeclined(Kind("purchase", R"("purchase_id":"p1","applies_to":[])"));
  ExpectDeclined(Kind("purchase", R"("purchase_id":"p1","applies_to":"AI_PROCESSING")"));
  ExpectDeclined(Kind("purchase", R"("purchase_id":"p1","applies_to":[1])"));
  ExpectDeclined(Kind("set_alerts", R"("thresholds":[["low",1]])"));
  ExpectDeclined(Kind("set_alerts", R"("thresholds":{"code":"low"})"));
  ExpectDeclined(R"({"key":"k1","customer":"c1","metadata":{"a":1},"expire":{}})");
  ExpectDeclined(R"({"key":"k1","customer":"c1","metadata":[],"expire":{}})");
  ExpectDeclined(R"({"key":"k1","customer":"c1","expire":[]})");
  ExpectDeclined(R"({"key":"k1","customer":"c1","expire":null})");
  ExpectDeclined(R"(["key","k1"])");
  ExpectDeclined(R"("key")");
}

TEST(CommandJsonReaderTest, DeclinesWhatIsNotOneJsonObjectOnTheLine) {
  ExpectDeclined("");
  ExpectDeclined("   ");
  ExpectDeclined(R"({"key":"k1","customer":"c1","expire":{}} {})");
  ExpectDeclined(R"({"key":"k1","customer":"c1","expire":{}}x)");
  ExpectDeclined(R"({"key":"k1","customer":"c1","expire":{})");
  ExpectDeclined(R"({"key":"k1","customer":"c1","expire":{},})");
  ExpectDeclined(R"({key:"k1","customer":"c1","expire":{}})");
  ExpectDeclined(R"({'key':'k1','customer':'c1','expire':{}})");
  ExpectDeclined("\xEF\xBB\xBF" R"({"key":"k1","customer":"c1","expire":{}})");  // BOM
  ExpectDeclined("\v" R"({"key":"k1","customer":"c1","expire":{}})");
  ExpectDeclined(R"({"key":"k1","customer":"c)" "\xC3\x28" R"(","expire":{}})");  // not UTF-8
  ExpectDeclined(R"({"key":"k1","customer":"c)" "\x01" R"(","expire":{}})");  // control byte
  std::string long_line = Kind("deny_refund", absl::StrCat(R"("refund_id":"r1","reason":")",
                                                           std::string(kMaxLineBytes, 'x'), "\""));
  ExpectDeclined(long_line);
}

// The largest command the contract allows (16 metadata entries of the
// longest key and value) is read; a longer line, over the reader's 8 KiB,
// is left to ParseCommandJson, which still reads it.
TEST(CommandJsonReaderTest, ReadsTheLargestCommandAndLeavesLongerLinesToProtobuf) {
  std::string metadata;
  for (int i = 0; i < 16; ++i) {
    absl::StrAppend(&metadata, i == 0 ? "" : ",", "\"", std::string(62, 'k'), 10 + i,
                    "\":\"", std::string(256, 'v'), "\"");
  }
  const std::string largest = absl::StrCat(
      R"({"key":")", std::string(128, 'k'), R"(","customer":")", std::string(64, 'c'),
      R"(","at":"2026-03-08T10:00:00Z","metadata":{)", metadata,
      R"(},"use":{"usage_id":")", std::string(64, 'u'),
      R"(","category":"PHONE_NUMBER_RENTAL","credits":1000000000000000,)"
      R"("provider":"OTHER_CARRIER","campaign_id":")", std::string(64, 'p'),
      R"(","call_id":")", std::string(64, 'x'), R"("}})");
  ASSERT_GT(largest.size(), 5000u);
  ExpectReadAlike(largest);

  const std::string longer = Kind("deny_refund", absl::StrCat(R"("refund_id":"r1","reason":")",
                                                              std::string(9000, 'x'), "\""));
  ExpectDeclined(longer);
  CommandFromJson read = ReadCommandJson(longer);
  ASSERT_TRUE(read.command.has_value());
  EXPECT_EQ(read.command->deny_refund().reason(), std::string(9000, 'x'));
}

// ReadCommandJson: the reader first, ParseCommandJson for what it
// declines, so a line that is no command is answered as it always was.
TEST(CommandJsonReaderTest, ReadCommandJsonAnswersADeclinedLineAsParseCommandJsonDoes) {
  const std::string escaped = Kind("deny_refund", R"("refund_id":"r1","reason":"say \"no\"")");
  CommandFromJson read = ReadCommandJson(escaped);
  ASSERT_TRUE(read.command.has_value());
  EXPECT_EQ(read.command->deny_refund().reason(), "say \"no\"");

  const std::string unknown = R"({"key":"k9","customer":"c1","colour":"red","expire":{}})";
  CommandFromJson refused = ReadCommandJson(unknown);
  EXPECT_FALSE(refused.command.has_value());
  EXPECT_EQ(refused.rejected.code, v1::INVALID_COMMAND);
  EXPECT_EQ(refused.rejected.key, "k9");
  EXPECT_EQ(refused.rejected.message,
            std::string(ParseCommandJson(unknown).status().message()));
}

// Every line of the scenarios that ParseCommandJson reads and that is
// written without escapes is read by the reader, and alike: the plain
// form covers what the product's own examples write.
TEST(CommandJsonReaderTest, ReadsEveryPlainScenarioLineAlike) {
  int read = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SCENARIO_DIR)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".jsonl" || name.find(".expected.") != std::string::npos ||
        name.find(".balances.") != std::string::npos) {
      continue;
    }
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line.find('\\') != std::string::npos) continue;
      if (!ParseCommandJson(line).ok()) {
        ExpectDeclined(line);
        continue;
      }
      ExpectReadAlike(line);
      ++read;
    }
  }
  EXPECT_GT(read, 500);
}

// SubmitJson and SubmitJsonBatch read each line as ReadCommandJson does:
// a plain line and an escaped one are judged as the commands they are, a
// line that is no command gets ReadCommandJson's answer, to the message.
TEST(CommandJsonReaderTest, SubmitJsonAnswersEachLineAsReadCommandJsonReadsIt) {
  testing::TestLedger ledger;
  const std::string plain = Kind(
      "purchase", R"("purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD")");
  const std::string escaped = R"({"key":"k2","customer":"c1","at":"2026-03-08T11:00:00Z",)"
                              R"("use":{"usage_id":"u\u0031","category":"AI_PROCESSING","credits":60}})";
  const std::string unknown = R"({"key":"k3","customer":"c1","colour":"red","expire":{}})";
  const CommandFromJson unescaped = ReadCommandJson(escaped);
  ASSERT_TRUE(unescaped.command.has_value());
  EXPECT_EQ(unescaped.command->use().usage_id(), "u1");
  const CommandFromJson refused = ReadCommandJson(unknown);
  ASSERT_FALSE(refused.command.has_value());

  EXPECT_EQ(testing::OutcomeName(ledger.Json(plain)), "ACCEPTED");
  EXPECT_EQ(testing::OutcomeName(ledger.Json(escaped)), "ACCEPTED");
  const SubmitResult one = ledger.Json(unknown);
  EXPECT_EQ(one.code, v1::INVALID_COMMAND);
  EXPECT_EQ(one.key, "k3");
  EXPECT_EQ(one.message, refused.rejected.message);

  const std::string use = R"({"key":"k4","customer":"c1","at":"2026-03-08T12:00:00Z",)"
                          R"("use":{"usage_id":"u2","category":"AI_PROCESSING","credits":40}})";
  const std::vector<std::string> lines = {use, unknown, escaped};
  absl::StatusOr<std::vector<SubmitResult>> batch = ledger->SubmitJsonBatch(lines);
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->size(), 3u);
  EXPECT_EQ(testing::OutcomeName((*batch)[0]), "ACCEPTED");
  EXPECT_EQ((*batch)[1].code, v1::INVALID_COMMAND);
  EXPECT_EQ((*batch)[1].message, refused.rejected.message);
  EXPECT_EQ(testing::OutcomeName((*batch)[2]), "DUPLICATE");
  EXPECT_EQ(ledger.BalanceAt("c1", "2026-03-08T13:00:00Z").available, 900);
}

}  // namespace
}  // namespace ledger
