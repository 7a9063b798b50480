// docs/contract.md section 5 step 1: every INVALID_COMMAND rule, the canonical
// form, and the fingerprint that KEY_REUSED compares.
#include "ledger/rules/command_validation.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/time_util.h"

namespace ledger {
namespace {

constexpr char kPurchase[] =
    R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z",)"
    R"("purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD"}})";

// A command of `kind` with `body`, for customer c1 at 2026-03-08T10:00:00Z.
std::string Kind(const std::string& kind, const std::string& body) {
  return absl::StrCat(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z",")", kind,
                      R"(":{)", body, "}}");
}

std::string Policy(const std::string& body) {
  return absl::StrCat(R"({"key":"k1","at":"2026-03-08T10:00:00Z","set_policy":{)", body, "}}");
}

// Parses and validates; the status of the first step that fails.
absl::Status Check(const std::string& json, v1::Command* out = nullptr) {
  absl::StatusOr<v1::Command> parsed = ParseCommandJson(json);
  if (!parsed.ok()) return parsed.status();
  v1::Command command = *parsed;
  absl::Status valid = ValidateAndCanonicalize(command);
  if (out != nullptr) *out = command;
  return valid;
}

std::string Replace(const std::string& s, const std::string& from, const std::string& to) {
  return absl::StrReplaceAll(s, {{from, to}});
}

#define EXPECT_VALID(json)                              \
  do {                                                  \
    absl::Status s_ = Check(json);                      \
    EXPECT_TRUE(s_.ok()) << (json) << "\n" << s_;       \
  } while (0)

#define EXPECT_INVALID(json, words)                                          \
  do {                                                                       \
    absl::Status s_ = Check(json);                                           \
    EXPECT_TRUE(absl::IsInvalidArgument(s_)) << (json) << "\n" << s_;        \
    EXPECT_NE(std::string(s_.message()).find(words), std::string::npos)      \
        << "message '" << s_.message() << "' lacks '" << (words) << "'";     \
  } while (0)

TEST(CommandValidationTest, AWellFormedPurchaseIsValid) { EXPECT_VALID(kPurchase); }

TEST(CommandValidationTest, NotJsonIsInvalid) {
  EXPECT_INVALID("not json", "JSON");
  EXPECT_INVALID(R"({"key":"k1")", "JSON");
  EXPECT_INVALID("[1,2,3]", "JSON");
  EXPECT_INVALID("", "JSON");
}

TEST(CommandValidationTest, LineOverTheLimitIsInvalid) {
  std::string huge = Replace(kPurchase, "\"k1\"",
                             absl::StrCat("\"", std::string(kMaxLineBytes, 'k'), "\""));
  EXPECT_INVALID(huge, "at most");
}

TEST(CommandValidationTest, UnknownFieldIsInvalid) {
  EXPECT_INVALID(Replace(kPurchase, R"("key":"k1",)", R"("key":"k1","colour":"red",)"),
                 "colour");
}

TEST(CommandValidationTest, UnknownFieldInsideTheKindIsInvalid) {
  EXPECT_INVALID(Replace(kPurchase, R"("currency":"USD")", R"("currency":"USD","discount":5)"),
                 "purchase.discount");
}

TEST(CommandValidationTest, CamelCaseFieldNameIsInvalid) {
  EXPECT_INVALID(Replace(kPurchase, "purchase_id", "purchaseId"), "purchaseId");
  EXPECT_INVALID(Kind("setPolicy", R"("version":"v2")"), "setPolicy");
  EXPECT_INVALID(Kind("use", R"("usageId":"u1","category":"AI_PROCESSING","credits":1)"),
                 "use.usageId");
}

TEST(CommandValidationTest, IntegerGivenAsStringIsInvalid) {
  EXPECT_INVALID(Replace(kPurchase, R"("credits":1000)", R"("credits":"1000")"),
                 "purchase.credits must be an integer number");
}

TEST(CommandValidationTest, FractionalNumberIsInvalid) {
  EXPECT_INVALID(Replace(kPurchase, R"("credits":1000)", R"("credits":10.5)"),
                 "purchase.credits");
}

TEST(CommandValidationTest, StringGivenAsNumberIsInvalid) {
  EXPECT_INVALID(Kind("use", R"("usage_id":"u1","category":1,"credits":1)"), "use.category");
  EXPECT_INVALID(Replace(kPurchase, R"("customer":"c1")", R"("customer":7)"), "customer");
}

TEST(CommandValidationTest, BooleanGivenAsStringIsInvalid) {
  EXPECT_INVALID(Kind("chargeback", R"("purchase_id":"p1","contacted_support":"yes")"),
                 "chargeback.contacted_support");
}

TEST(CommandValidationTest, NullIsNotAValue) {
  EXPECT_INVALID(Replace(kPurchase, R"("currency":"USD")", R"("currency":null)"),
                 "purchase.currency");
  EXPECT_INVALID(Replace(kPurchase, R"("currency":"USD")", R"("currency":"USD","expires_at":null)"),
                 "purchase.expires_at");
}

TEST(CommandValidationTest, KindThatIsNotAnObjectIsInvalid) {
  EXPECT_INVALID(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","expire":true})",
                 "expire");
}

TEST(CommandValidationTest, MissingKeyIsInvalid) {
  EXPECT_INVALID(Replace(kPurchase, R"("key":"k1",)", ""), "key is required");
}

TEST(CommandValidationTest, KeyMustBeOneTo128PrintableAsciiCharacters) {
  EXPECT_INVALID(Replace(kPurchase, R"("key":"k1")", R"("key":"")"), "key");
  EXPECT_VALID(Replace(kPurchase, R"("key":"k1")",
                       absl::StrCat(R"("key":")", std::string(128, 'k'), "\"")));
  EXPECT_INVALID(Replace(kPurchase, R"("key":"k1")",
                         absl::StrCat(R"("key":")", std::string(129, 'k'), "\"")),
                 "key");
  EXPECT_INVALID(Replace(kPurchase, R"("key":"k1")", R"("key":"klück")"), "key");
  EXPECT_INVALID(Replace(kPurchase, R"("key":"k1")", R"("key":"k\ttab")"), "key");
  EXPECT_VALID(Replace(kPurchase, R"("key":"k1")", R"("key":"a key ~ with {} spaces")"));
}

TEST(CommandValidationTest, NoKindIsInvalid) {
  EXPECT_INVALID(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z"})",
                 "exactly one kind");
}

TEST(CommandValidationTest, TwoKindsAreInvalidAndBothAreNamed) {
  EXPECT_INVALID(Replace(kPurchase, R"("purchase":)",
                         R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":1},"purchase":)"),
                 "a command has exactly one kind; found both 'purchase' and 'use'");
}

TEST(CommandValidationTest, MissingCustomerIsInvalid) {
  EXPECT_INVALID(Replace(kPurchase, R"("customer":"c1",)", ""), "customer is required");
}

TEST(CommandValidationTest, BadCustomerIdIsInvalid) {
  EXPECT_INVALID(Replace(kPurchase, R"("customer":"c1")", R"("customer":"c 1")"), "customer");
  EXPECT_INVALID(Replace(kPurchase, R"("customer":"c1")", R"("customer":"")"), "customer");
  EXPECT_INVALID(Replace(kPurchase, R"("customer":"c1")",
                         absl::StrCat(R"("customer":")", std::string(65, 'c'), "\"")),
                 "customer");
  EXPECT_VALID(Replace(kPurchase, R"("customer":"c1")",
                       absl::StrCat(R"("customer":"A-z_0.9:)", std::string(56, 'c'), "\"")));
}

TEST(CommandValidationTest, SetPolicyWithCustomerIsInvalid) {
  EXPECT_INVALID(Kind("set_policy",
                      R"("version":"v2","refund_window_hours":1,"inquiry_window_hours":1)"),
                 "set_policy");
}

TEST(CommandValidationTest, SetPolicyWithoutCustomerIsValid) {
  EXPECT_VALID(Policy(R"("version":"v2","refund_window_hours":0,"inquiry_window_hours":87600)"));
}

TEST(CommandValidationTest, SetPolicyWindowsAreZeroTo87600Hours) {
  EXPECT_INVALID(Policy(R"("version":"v2","refund_window_hours":87601,"inquiry_window_hours":1)"),
                 "set_policy.refund_window_hours must be 0..87600, got 87601");
  EXPECT_INVALID(Policy(R"("version":"v2","refund_window_hours":1,"inquiry_window_hours":-1)"),
                 "set_policy.inquiry_window_hours");
  EXPECT_INVALID(Policy(R"("refund_window_hours":1,"inquiry_window_hours":1)"),
                 "set_policy.version is required");
  EXPECT_INVALID(Policy(R"("version":"v 2","refund_window_hours":1,"inquiry_window_hours":1)"),
                 "set_policy.version");
  EXPECT_INVALID(Policy(R"("version":"v2","refund_window_hours":1)"),
                 "set_policy.inquiry_window_hours is required");
}

// docs/contract.md section 15: a command may leave `at` out (the ledger
// stamps it); its times that must come after `at` are then checked against
// the stamp, which validation alone does not know.
TEST(CommandValidationTest, AMissingAtIsValidAndLaterTimesAreCheckedAgainstTheStamp) {
  absl::StatusOr<v1::Command> command = ParseCommandJson(
      R"({"key":"k1","customer":"c1","hold":{"hold_id":"h1","credits":5,)"
      R"("expires_at":"2026-03-08T10:00:00+00:00"}})");
  ASSERT_TRUE(command.ok()) << command.status();
  ASSERT_TRUE(ValidateAndCanonicalize(*command).ok());
  EXPECT_FALSE(command->has_at());
  EXPECT_EQ(command->hold().expires_at(), "2026-03-08T10:00:00Z");
  EXPECT_TRUE(CheckTimesAfterStamp(*command, *ParseTimeUs("2026-03-08T09:59:59Z")).ok());
  absl::Status late = CheckTimesAfterStamp(*command, *ParseTimeUs("2026-03-08T10:00:00Z"));
  EXPECT_TRUE(absl::IsInvalidArgument(late));
  EXPECT_NE(late.message().find("hold.expires_at"), std::string::npos) << late;
}

TEST(CommandValidationTest, UnparseableTimeIsInvalid) {
  for (const char* bad : {"2026-03-08 10:00:00", "yesterday", "2026-03-08T10:00:00",
                          "2026-02-30T10:00:00Z", "2026-13-01T00:00:00Z", ""}) {
    SCOPED_TRACE(bad);
    EXPECT_INVALID(Replace(kPurchase, "2026-03-08T10:00:00Z", bad), "at");
  }
}

TEST(CommandValidationTest, MissingRequiredFieldOfEachKindIsInvalid) {
  struct Case {
    const char* kind;
    const char* body;
    const char* missing;
  };
  const Case cases[] = {
      {"purchase", R"("purchase_id":"p1","credits":1,"amount_minor":1)", "purchase.currency"},
      {"purchase", R"("credits":1,"amount_minor":1,"currency":"USD")", "purchase.purchase_id"},
      {"purchase", R"("purchase_id":"p1","credits":1,"currency":"USD")", "purchase.amount_minor"},
      {"subscribe", R"("period_id":"s1","plan":"pro","credits":1,"amount_minor":1,"currency":"USD")",
       "subscribe.period_end"},
      {"subscribe", R"("period_id":"s1","credits":1,"amount_minor":1,"currency":"USD","period_end":"2026-04-01T00:00:00Z")",
       "subscribe.plan"},
      {"renew", R"("period_id":"s2","credits":1,"period_end":"2026-04-01T00:00:00Z")",
       "renew.amount_minor"},
      {"use", R"("usage_id":"u1","credits":1)", "use.category"},
      {"use", R"("usage_id":"u1","category":"AI_PROCESSING")", "use.credits"},
      {"hold", R"("hold_id":"h1","credits":1)", "hold.expires_at"},
      {"capture", R"("hold_id":"h1","usage_id":"u1","credits":1)", "capture.category"},
      {"release", "", "release.hold_id"},
      {"request_refund", R"("refund_id":"r1")", "request_refund.purchase_id"},
      {"approve_refund", "", "approve_refund.refund_id"},
      {"deny_refund", R"("reason":"no")", "deny_refund.refund_id"},
      {"compensate", R"("adjustment_id":"a1","usage_id":"u1","credits":1)",
       "compensate.verified_by"},
      {"suspend", "", "suspend.reason"},
      {"terminate", "", "terminate.reason"},
      {"chargeback", R"("purchase_id":"p1")", "chargeback.contacted_support"},
      {"chargeback", R"("contacted_support":false)", "chargeback.purchase_id"},
  };
  for (const Case& c : cases) {
    EXPECT_INVALID(Kind(c.kind, c.body), absl::StrCat(c.missing, " is required"));
  }
}

TEST(CommandValidationTest, KindsWithoutFieldsAreValidEmpty) {
  for (const char* kind : {"cancel_subscription", "expire", "reinstate", "forfeit"}) {
    EXPECT_VALID(Kind(kind, ""));
  }
}

TEST(CommandValidationTest, CreditsAboveLimitIsInvalid) {
  EXPECT_INVALID(Replace(kPurchase, "1000,", "1000000000000001,"),
                 "purchase.credits must be 1..1000000000000000, got 1000000000000001");
  EXPECT_VALID(Replace(kPurchase, "1000,", "1000000000000000,"));
}

TEST(CommandValidationTest, ZeroOrNegativeCreditsAreInvalid) {
  EXPECT_INVALID(Replace(kPurchase, "1000,", "0,"),
                 "purchase.credits must be 1..1000000000000000, got 0");
  EXPECT_INVALID(Replace(kPurchase, "1000,", "-5,"), "got -5");
  EXPECT_INVALID(Kind("use", R"("usage_id":"u1","category":"AI_PROCESSING","credits":0)"),
                 "use.credits");
}

TEST(CommandValidationTest, AmountMayBeZeroButNotNegativeOrAboveLimit) {
  EXPECT_VALID(Replace(kPurchase, "1999", "0"));
  EXPECT_INVALID(Replace(kPurchase, "1999", "-1"), "purchase.amount_minor must be 0..");
  EXPECT_INVALID(Replace(kPurchase, "1999", "1000000000000001"), "purchase.amount_minor");
}

TEST(CommandValidationTest, NumberOutsideInt64IsInvalidInPlainWords) {
  EXPECT_INVALID(Replace(kPurchase, "1000,", "99999999999999999999,"),
                 "purchase.credits: the number 1e+20 is out of range");
  // Past 2^53 a double is no longer exact; every limit is far below it.
  EXPECT_INVALID(Replace(kPurchase, "1000,", "9007199254740993,"),
                 "purchase.credits: the number");
  EXPECT_INVALID(Replace(kPurchase, "1999", "-99999999999999999999"),
                 "purchase.amount_minor: the number -1e+20 is out of range");
}

// Rejections speak the contract, not the parser's internals.
TEST(CommandValidationTest, NoRejectionSpeaksProtobuf) {
  const std::string kinds =
      R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":1},"purchase":)";
  for (const std::string& bad : {
           Replace(kPurchase, "1000,", "99999999999999999999,"),
           Replace(kPurchase, "1000,", "1e400,"),
           Replace(kPurchase, R"("purchase":)", kinds),
           Replace(kPurchase, R"("credits":1000)", R"("credits":"1000")"),
           Replace(kPurchase, R"("credits":1000)", R"("credits":true)"),
           Replace(kPurchase, R"("currency":"USD")", R"("currency":["USD"])"),
           Replace(kPurchase, "2026-03-08T10:00:00Z", "2026-03-08T10:00:00"),
           Replace(kPurchase, R"("key":"k1",)", R"("key":"k1","metadata":{"a":1},)"),
           std::string(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","expire":{},"forfeit":{}})"),
       }) {
    SCOPED_TRACE(bad);
    absl::Status s = Check(bad);
    ASSERT_TRUE(absl::IsInvalidArgument(s)) << s;
    for (const char* jargon : {"TYPE_", "oneof", "INVALID_ARGUMENT", "Struct",
                               "google.protobuf", "Failed to parse input"}) {
      EXPECT_EQ(std::string(s.message()).find(jargon), std::string::npos)
          << "'" << s.message() << "' says " << jargon;
    }
  }
}

// A line that is not JSON gets one line of plain words, not the parser's
// copy of the input with a caret under it.
TEST(CommandValidationTest, NotJsonIsOneLineThatSaysWhatACommandIs) {
  for (const std::string& bad : {std::string("not json"),
                                 std::string(R"({"key":"k1",)"),
                                 std::string(R"({"key" "k1"})")}) {
    SCOPED_TRACE(bad);
    absl::Status s = Check(bad);
    ASSERT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_EQ(std::string(s.message()).find('\n'), std::string::npos) << s;
    EXPECT_THAT(std::string(s.message()),
                ::testing::StartsWith("not a JSON object ("));
    EXPECT_THAT(std::string(s.message()),
                ::testing::HasSubstr("one JSON object on one line"));
  }
}

TEST(CommandValidationTest, TimeWithoutZoneSaysToAddOne) {
  EXPECT_INVALID(Replace(kPurchase, "2026-03-08T10:00:00Z", "2026-03-08T10:00:00"),
                 "at: time has no zone; add Z or an offset like +02:00");
  EXPECT_INVALID(Replace(kPurchase, R"("currency":"USD")",
                         R"("currency":"USD","expires_at":"2026-06-08T10:00:00.25")"),
                 "purchase.expires_at: time has no zone; add Z");
}

TEST(CommandValidationTest, TimeWithASpaceSaysToWriteT) {
  EXPECT_INVALID(Replace(kPurchase, "2026-03-08T10:00:00Z", "2026-03-08 10:00:00Z"),
                 "at: write 'T' between the date and the time");
}

TEST(CommandValidationTest, OtherBadTimesNameTheFormat) {
  EXPECT_INVALID(Replace(kPurchase, "2026-03-08T10:00:00Z", "yesterday"),
                 "expected RFC 3339, as in 2026-03-08T10:00:00Z");
}

// ParseCommandJson builds the command from the JSON tree it checked, where
// it once ran protobuf's JSON parser a second time: every command of the
// scenarios (all kinds, optional fields, offsets, fractions) must come out
// exactly as protobuf's parser makes it.
TEST(CommandValidationTest, ParsedCommandsEqualProtobufsOwnParse) {
  int compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SCENARIO_DIR)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".expected.") != std::string::npos ||
        name.find(".balances.") != std::string::npos) {
      continue;
    }
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      v1::Command library;
      google::protobuf::util::JsonParseOptions options;
      if (!google::protobuf::util::JsonStringToMessage(line, &library, options).ok()) {
        continue;
      }
      absl::StatusOr<v1::Command> ours = ParseCommandJson(line);
      if (!ours.ok()) continue;  // stricter on purpose (CheckShape)
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*ours, library))
          << line << "\nours:    " << ours->ShortDebugString()
          << "\nprotobuf: " << library.ShortDebugString();
      ++compared;
    }
  }
  // With metadata, which no scenario carries.
  const std::string with_metadata = Replace(
      kPurchase, R"("key":"k1",)",
      R"("key":"k1","metadata":{"zeta":"1","alpha":"bé","m.n-o_p":""},)");
  v1::Command library;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(with_metadata, &library).ok());
  absl::StatusOr<v1::Command> ours = ParseCommandJson(with_metadata);
  ASSERT_TRUE(ours.ok()) << ours.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*ours, library));
  EXPECT_EQ(CommandFingerprint(*ours), CommandFingerprint(library));
  EXPECT_GT(compared, 1000);
}

TEST(CommandValidationTest, CurrencyMustBeThreeCapitalLetters) {
  EXPECT_INVALID(Replace(kPurchase, "USD", "usd"), "purchase.currency");
  EXPECT_INVALID(Replace(kPurchase, "USD", "US"), "purchase.currency");
  EXPECT_INVALID(Replace(kPurchase, "USD", "USDT"), "purchase.currency");
}

TEST(CommandValidationTest, BadIdIsInvalid) {
  EXPECT_INVALID(Replace(kPurchase, R"("p1")", R"("p/1")"), "purchase.purchase_id");
  EXPECT_INVALID(Replace(kPurchase, R"("p1")", R"("")"), "purchase.purchase_id");
  EXPECT_INVALID(Kind("subscribe",
                      R"("period_id":"s1","plan":"pro plan","credits":1,"amount_minor":1,"currency":"USD","period_end":"2026-04-01T00:00:00Z")"),
                 "subscribe.plan");
  EXPECT_INVALID(Kind("use", R"("usage_id":"u1","category":"AI_PROCESSING","credits":1,"campaign_id":"a b")"),
                 "use.campaign_id");
  EXPECT_INVALID(Kind("use", R"("usage_id":"u1","category":"AI_PROCESSING","credits":1,"call_id":"")"),
                 "use.call_id");
}

TEST(CommandValidationTest, UnknownCategoryIsInvalid) {
  EXPECT_INVALID(Kind("use", R"("usage_id":"u1","category":"TELEPATHY","credits":1)"),
                 "use.category must be one of AI_PROCESSING");
  EXPECT_INVALID(Kind("use", R"("usage_id":"u1","category":"CATEGORY_UNSPECIFIED","credits":1)"),
                 "use.category");
  EXPECT_INVALID(Kind("use", R"("usage_id":"u1","category":"ai_processing","credits":1)"),
                 "use.category");
}

TEST(CommandValidationTest, EveryCategoryAndProviderOfTheSpecIsValid) {
  for (const char* c : {"AI_PROCESSING", "VOICE_GENERATION", "AUTOMATED_CALL", "TELEPHONY_USAGE",
                        "CAMPAIGN_EXECUTION", "PHONE_NUMBER_RENTAL", "REGULATORY_FEE"}) {
    EXPECT_VALID(Kind("use", absl::StrCat(R"("usage_id":"u1","category":")", c, R"(","credits":1)")));
  }
  for (const char* p : {"TWILIO", "TELNYX", "OTHER_CARRIER"}) {
    EXPECT_VALID(Kind("capture", absl::StrCat(R"("hold_id":"h1","usage_id":"u1","category":"AI_PROCESSING","credits":1,"provider":")",
                                              p, "\"")));
  }
}

TEST(CommandValidationTest, UnknownProviderIsInvalid) {
  EXPECT_INVALID(Kind("use", R"("usage_id":"u1","category":"TELEPHONY_USAGE","credits":1,"provider":"VONAGE")"),
                 "use.provider");
}

TEST(CommandValidationTest, ChargebackIsNotAReasonToSuspend) {
  EXPECT_INVALID(Kind("suspend", R"("reason":"CHARGEBACK")"), "suspend.reason");
  EXPECT_INVALID(Kind("terminate", R"("reason":"REINSTATED")"), "terminate.reason");
  EXPECT_INVALID(Kind("suspend", R"("reason":"BEING_RUDE")"), "suspend.reason");
  for (const char* r : {"SPAM_CALLING", "ROBOCALL_ABUSE", "FRAUD", "HARASSMENT", "TELECOM_VIOLATION"}) {
    EXPECT_VALID(Kind("suspend", absl::StrCat(R"("reason":")", r, "\"")));
    EXPECT_VALID(Kind("terminate", absl::StrCat(R"("reason":")", r, "\"")));
  }
}

TEST(CommandValidationTest, ExpiresAtNotAfterAtIsInvalid) {
  const std::string with_expiry =
      Replace(kPurchase, R"("currency":"USD")", R"("currency":"USD","expires_at":"EXP")");
  EXPECT_INVALID(Replace(with_expiry, "EXP", "2026-03-08T10:00:00Z"),
                 "purchase.expires_at 2026-03-08T10:00:00");
  EXPECT_INVALID(Replace(with_expiry, "EXP", "2026-03-08T09:00:00Z"), "later than at");
  // The same instant in another offset is not later either.
  EXPECT_INVALID(Replace(with_expiry, "EXP", "2026-03-08T12:00:00+02:00"), "later than at");
  EXPECT_VALID(Replace(with_expiry, "EXP", "2026-03-08T10:00:00.000001Z"));
  EXPECT_INVALID(Replace(with_expiry, "EXP", "soon"), "purchase.expires_at");
}

TEST(CommandValidationTest, HoldAndCompensationExpiryMustBeLaterThanAt) {
  EXPECT_INVALID(Kind("hold", R"("hold_id":"h1","credits":1,"expires_at":"2026-03-08T10:00:00Z")"),
                 "hold.expires_at");
  EXPECT_INVALID(Kind("compensate",
                      R"("adjustment_id":"a1","usage_id":"u1","credits":1,"verified_by":"ops","expires_at":"2026-03-01T00:00:00Z")"),
                 "compensate.expires_at");
}

TEST(CommandValidationTest, PeriodEndAndCreditsExpiryMustBeLaterThanAt) {
  const std::string sub = Kind(
      "subscribe",
      R"("period_id":"s1","plan":"pro","credits":1,"amount_minor":1,"currency":"USD","period_end":"END"CEA)");
  EXPECT_INVALID(Replace(Replace(sub, "END", "2026-03-08T10:00:00Z"), "CEA", ""),
                 "subscribe.period_end");
  EXPECT_INVALID(Replace(Replace(sub, "END", "2026-04-08T10:00:00Z"), "CEA",
                         R"(,"credits_expire_at":"2026-03-08T09:00:00Z")"),
                 "subscribe.credits_expire_at");
  EXPECT_VALID(Replace(Replace(sub, "END", "2026-04-08T10:00:00Z"), "CEA",
                       R"(,"credits_expire_at":"2026-05-08T09:00:00Z")"));
  EXPECT_INVALID(Kind("renew", R"("period_id":"s2","credits":1,"amount_minor":1,"period_end":"2026-03-01T00:00:00Z")"),
                 "renew.period_end");
  EXPECT_INVALID(Kind("renew", R"("period_id":"s2","credits":1,"amount_minor":1,"period_end":"2026-04-01T00:00:00Z","credits_expire_at":"2026-03-08T10:00:00Z")"),
                 "renew.credits_expire_at");
}

TEST(CommandValidationTest, RenewHasNoCurrency) {
  EXPECT_INVALID(Kind("renew", R"("period_id":"s2","credits":1,"amount_minor":1,"period_end":"2026-04-01T00:00:00Z","currency":"USD")"),
                 "renew.currency");
}

TEST(CommandValidationTest, VerifiedByIsOneTo256BytesOfUtf8) {
  auto compensate = [](const std::string& who) {
    return Kind("compensate", absl::StrCat(R"("adjustment_id":"a1","usage_id":"u1","credits":1,"verified_by":")",
                                           who, "\""));
  };
  EXPECT_INVALID(compensate(""), "compensate.verified_by");
  EXPECT_INVALID(compensate(std::string(257, 'x')), "compensate.verified_by must be 1-256 bytes");
  EXPECT_VALID(compensate(std::string(256, 'x')));
  EXPECT_VALID(compensate("Zoë from support"));
}

TEST(CommandValidationTest, TextThatIsNotUtf8IsInvalid) {
  v1::Command c = ParseCommandJson(Kind("deny_refund", R"("refund_id":"r1","reason":"x")")).value();
  c.mutable_deny_refund()->set_reason("bad \xC3\x28 byte");
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateAndCanonicalize(c)));
  c.mutable_deny_refund()->set_reason("truncated \xE2\x82");
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateAndCanonicalize(c)));
  c.mutable_deny_refund()->set_reason("overlong \xC0\xAF");
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateAndCanonicalize(c)));
  c.mutable_deny_refund()->set_reason("euro \xE2\x82\xAC ok");
  EXPECT_TRUE(ValidateAndCanonicalize(c).ok());
}

TEST(CommandValidationTest, TextWithControlCharactersIsInvalid) {
  EXPECT_INVALID(Kind("deny_refund", R"("refund_id":"r1","reason":"a\u0000b")"),
                 "deny_refund.reason");
  EXPECT_INVALID(Kind("deny_refund", R"("refund_id":"r1","reason":"line\nbreak")"),
                 "control characters");
  EXPECT_INVALID(Kind("compensate",
                      R"("adjustment_id":"a1","usage_id":"u1","credits":1,"verified_by":"ops\u007f")"),
                 "compensate.verified_by");
}

TEST(CommandValidationTest, DenyReasonIsOptionalButNotEmpty) {
  EXPECT_VALID(Kind("deny_refund", R"("refund_id":"r1")"));
  EXPECT_INVALID(Kind("deny_refund", R"("refund_id":"r1","reason":"")"), "deny_refund.reason");
}

TEST(CommandValidationTest, UnknownFieldsOfABinaryCommandAreInvalid) {
  v1::Command c = ParseCommandJson(kPurchase).value();
  c.mutable_purchase()->GetReflection()->MutableUnknownFields(c.mutable_purchase())
      ->AddVarint(99, 1);
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateAndCanonicalize(c)));
}

TEST(CommandValidationTest, TimesAreCanonicalizedSoEqualInstantsCompareEqual) {
  v1::Command a, b;
  ASSERT_TRUE(Check(Replace(Replace(kPurchase, R"("currency":"USD")",
                                    R"("currency":"USD","expires_at":"2026-06-08T10:00:00Z")"),
                            "2026-03-08T10:00:00Z", "2026-03-08T12:00:00+02:00"),
                    &a).ok());
  ASSERT_TRUE(Check(Replace(kPurchase, R"("currency":"USD")",
                            R"("currency":"USD","expires_at":"2026-06-08T10:00:00.000000Z")"),
                    &b).ok());
  EXPECT_EQ(a.at(), FormatTimeUs(ParseTimeUs("2026-03-08T10:00:00Z").value()));
  EXPECT_EQ(a.at(), b.at());
  EXPECT_EQ(a.purchase().expires_at(), b.purchase().expires_at());
  EXPECT_EQ(CommandFingerprint(a), CommandFingerprint(b));
}

TEST(CommandValidationTest, CanonicalizingTwiceChangesNothing) {
  v1::Command c;
  ASSERT_TRUE(Check(Replace(kPurchase, "2026-03-08T10:00:00Z", "2026-03-08T10:00:00.5+01:00"), &c).ok());
  v1::Command again = c;
  ASSERT_TRUE(ValidateAndCanonicalize(again).ok());
  EXPECT_EQ(again.SerializeAsString(), c.SerializeAsString());
}

TEST(CommandValidationTest, FingerprintIsA32ByteDigestOfTheContent) {
  v1::Command a, b;
  ASSERT_TRUE(Check(kPurchase, &a).ok());
  ASSERT_TRUE(Check(Replace(kPurchase, "1999", "2000"), &b).ok());
  EXPECT_EQ(CommandFingerprint(a).size(), 32u);
  EXPECT_NE(CommandFingerprint(a), CommandFingerprint(b));
  // Field order in the JSON does not matter: fields compare as parsed values.
  v1::Command c;
  ASSERT_TRUE(Check(R"({"purchase":{"currency":"USD","amount_minor":1999,"credits":1000,"purchase_id":"p1"},"at":"2026-03-08T10:00:00Z","customer":"c1","key":"k1"})",
                    &c).ok());
  EXPECT_EQ(CommandFingerprint(a), CommandFingerprint(c));
}

TEST(CommandValidationTest, ReadKeyLenientlyFindsTheKeyOfAnInvalidCommand) {
  EXPECT_EQ(ReadKeyLeniently(R"({"key":"i1","colour":"red"})"), "i1");
  EXPECT_EQ(ReadKeyLeniently(R"({"key":"klück","purchase":7})"), "klück");
  EXPECT_EQ(ReadKeyLeniently(R"({"customer":"c1"})"), std::nullopt);
  EXPECT_EQ(ReadKeyLeniently(R"({"key":5})"), std::nullopt);
  EXPECT_EQ(ReadKeyLeniently("not json"), std::nullopt);
  EXPECT_EQ(ReadKeyLeniently("[1,2]"), std::nullopt);
}

}  // namespace
}  // namespace ledger
