// docs/contract.md section 11, step 1 of section 5: what applies_to,
// priority, a hold's category, grant and void_grant must look like, and
// the canonical form that makes the order of applies_to no part of the
// content. The strict JSON cases a client library would smooth over (an
// empty list, a number written as a string) are pinned here rather than in
// the scenarios, which the service tests also send through such a client.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/base/command_fingerprint.h"
#include "ledger/ledger.h"
#include "ledger/rules/command_validation.h"

namespace ledger {
namespace {

std::string Purchase(const std::string& extra) {
  return absl::StrCat(
      R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z",)"
      R"("purchase":{"purchase_id":"p1","credits":10,"amount_minor":1,"currency":"USD")",
      extra, "}}");
}

absl::Status Check(const std::string& json, v1::Command* out = nullptr) {
  absl::StatusOr<v1::Command> parsed = ParseCommandJson(json);
  if (!parsed.ok()) return parsed.status();
  v1::Command command = *parsed;
  absl::Status valid = ValidateAndCanonicalize(command);
  if (out != nullptr) *out = command;
  return valid;
}

void ExpectInvalid(const std::string& json, const std::string& words) {
  absl::Status s = Check(json);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << json << "\n" << s;
  EXPECT_NE(std::string(s.message()).find(words), std::string::npos)
      << "message '" << s.message() << "' lacks '" << words << "'";
}

TEST(ScopeValidation, AnEmptyAppliesToIsRefusedNotReadAsEveryCategory) {
  ExpectInvalid(Purchase(R"(,"applies_to":[])"), "leave it out for every category");
}

TEST(ScopeValidation, AppliesToHoldsOneToSevenDistinctCategoryNames) {
  EXPECT_TRUE(Check(Purchase(R"(,"applies_to":["TELEPHONY_USAGE"])")).ok());
  EXPECT_TRUE(Check(Purchase(
                        R"(,"applies_to":["AI_PROCESSING","VOICE_GENERATION","AUTOMATED_CALL",)"
                        R"("TELEPHONY_USAGE","CAMPAIGN_EXECUTION","PHONE_NUMBER_RENTAL",)"
                        R"("REGULATORY_FEE"])"))
                  .ok());
  ExpectInvalid(Purchase(R"(,"applies_to":["AI_PROCESSING","AI_PROCESSING"])"), "twice");
  ExpectInvalid(Purchase(R"(,"applies_to":["TELEPHONY"])"), "purchase.applies_to[0]");
  ExpectInvalid(Purchase(R"(,"applies_to":[4])"), "must hold strings");
  ExpectInvalid(Purchase(R"(,"applies_to":"AI_PROCESSING")"), "must be an array");
  ExpectInvalid(Purchase(R"(,"applies_to":[null])"), "must hold strings");
}

TEST(ScopeValidation, PriorityIsAWholeNumberFromZeroToAHundred) {
  EXPECT_TRUE(Check(Purchase(R"(,"priority":0)")).ok());
  EXPECT_TRUE(Check(Purchase(R"(,"priority":100)")).ok());
  ExpectInvalid(Purchase(R"(,"priority":101)"), "purchase.priority must be 0..100");
  ExpectInvalid(Purchase(R"(,"priority":-1)"), "purchase.priority must be 0..100");
  ExpectInvalid(Purchase(R"(,"priority":"5")"), "must be an integer number");
  ExpectInvalid(Purchase(R"(,"priority":null)"), "must be an integer number");
}

TEST(ScopeValidation, TheOrderOfAppliesToIsNoPartOfTheContent) {
  v1::Command a, b, c;
  ASSERT_TRUE(Check(Purchase(R"(,"applies_to":["REGULATORY_FEE","AI_PROCESSING"])"), &a).ok());
  ASSERT_TRUE(Check(Purchase(R"(,"applies_to":["AI_PROCESSING","REGULATORY_FEE"])"), &b).ok());
  ASSERT_TRUE(Check(Purchase(R"(,"applies_to":["AI_PROCESSING"])"), &c).ok());
  ASSERT_EQ(a.purchase().applies_to_size(), 2);
  EXPECT_EQ(a.purchase().applies_to(0), "AI_PROCESSING");  // the contract's order
  EXPECT_EQ(CommandFingerprint(a), CommandFingerprint(b));
  EXPECT_NE(CommandFingerprint(a), CommandFingerprint(c));
  // Canonicalizing again changes nothing.
  v1::Command again = a;
  ASSERT_TRUE(ValidateAndCanonicalize(again).ok());
  EXPECT_EQ(again.SerializeAsString(), a.SerializeAsString());
}

TEST(ScopeValidation, GrantAndVoidGrantNeedTheirFieldsAndAHoldsCategoryIsACategory) {
  const std::string head = R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z",)";
  EXPECT_TRUE(Check(head + R"("grant":{"grant_id":"g1","credits":5,"reason":"bonus"}})").ok());
  ExpectInvalid(head + R"("grant":{"grant_id":"g1","credits":5}})", "grant.reason is required");
  ExpectInvalid(head + R"("grant":{"grant_id":"g1","credits":5,"reason":"b","priority":300}})",
                "grant.priority");
  ExpectInvalid(head + R"("grant":{"grant_id":"g1","credits":5,"reason":"b",)"
                       R"("expires_at":"2026-03-08T10:00:00Z"}})",
                "grant.expires_at");
  EXPECT_TRUE(Check(head + R"("void_grant":{"lot_id":"g1","reason":"withdrawn"}})").ok());
  ExpectInvalid(head + R"("void_grant":{"lot_id":"g1"}})", "void_grant.reason is required");
  ExpectInvalid(head + R"("void_grant":{"reason":"withdrawn"}})", "void_grant.lot_id");
  EXPECT_TRUE(Check(head + R"("hold":{"hold_id":"h","credits":1,)"
                           R"("expires_at":"2026-03-08T11:00:00Z","category":"TELEPHONY_USAGE"}})")
                  .ok());
  ExpectInvalid(head + R"("hold":{"hold_id":"h","credits":1,)"
                       R"("expires_at":"2026-03-08T11:00:00Z","category":"CALLS"}})",
                "hold.category");
}

}  // namespace
}  // namespace ledger
