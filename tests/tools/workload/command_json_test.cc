// The workload's command builders: the JSON lines the tests submit are exactly
// the docs/contract.md section 4 lines the tests' own copies used to write by
// hand, so the tests that now share them submit the same bytes as before.
#include "tools/workload/command_json.h"

#include "gtest/gtest.h"
#include "tools/workload/command_builders.h"

namespace ledger::workload {
namespace {

TEST(CommandJsonTest, PurchaseIsOneCompactLineWithTheFieldsInSchemaOrder) {
  EXPECT_EQ(PurchaseJson({.key = "k1",
                          .customer = "c1",
                          .at = "2026-03-08T10:00:00Z",
                          .purchase_id = "p1",
                          .credits = 100,
                          .amount_minor = 1999}),
            R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z",)"
            R"("purchase":{"purchase_id":"p1","credits":100,)"
            R"("amount_minor":1999,"currency":"USD"}})");
}

TEST(CommandJsonTest, PurchaseCarriesItsExpiryOnlyWhenGiven) {
  EXPECT_EQ(PurchaseJson({.key = "k",
                          .customer = "c",
                          .at = "2026-03-08T10:00:00Z",
                          .purchase_id = "p",
                          .credits = 5,
                          .currency = "EUR",
                          .expires_at = "2026-03-09T10:00:00Z"}),
            R"({"key":"k","customer":"c","at":"2026-03-08T10:00:00Z",)"
            R"("purchase":{"purchase_id":"p","credits":5,"amount_minor":1000,)"
            R"("currency":"EUR","expires_at":"2026-03-09T10:00:00Z"}})");
}

TEST(CommandJsonTest, APurchaseForSomeCategoriesCarriesItsScopeAndPriority) {
  v1::Command pack = Purchase({.key = "k",
                               .customer = "c",
                               .at = "2026-03-08T10:00:00Z",
                               .purchase_id = "tel",
                               .credits = 5});
  pack.mutable_purchase()->add_applies_to("TELEPHONY_USAGE");
  pack.mutable_purchase()->add_applies_to("PHONE_NUMBER_RENTAL");
  pack.mutable_purchase()->set_priority(20);
  EXPECT_EQ(CommandJson(pack),
            R"({"key":"k","customer":"c","at":"2026-03-08T10:00:00Z",)"
            R"("purchase":{"purchase_id":"tel","credits":5,"amount_minor":1000,)"
            R"("currency":"USD","applies_to":["TELEPHONY_USAGE","PHONE_NUMBER_RENTAL"],)"
            R"("priority":20}})");
}

TEST(CommandJsonTest, UseCarriesProviderAndCampaignOnlyWhenGiven) {
  EXPECT_EQ(UseJson({.key = "k2",
                     .customer = "c1",
                     .at = "2026-03-08T11:00:00Z",
                     .usage_id = "u1",
                     .credits = 60}),
            R"({"key":"k2","customer":"c1","at":"2026-03-08T11:00:00Z",)"
            R"("use":{"usage_id":"u1","category":"AI_PROCESSING","credits":60}})");
  EXPECT_EQ(UseJson({.key = "k3",
                     .customer = "c1",
                     .at = "2026-03-08T11:00:00Z",
                     .usage_id = "u2",
                     .category = "VOICE_GENERATION",
                     .credits = 7,
                     .provider = "TWILIO",
                     .campaign_id = "camp-1"}),
            R"({"key":"k3","customer":"c1","at":"2026-03-08T11:00:00Z",)"
            R"("use":{"usage_id":"u2","category":"VOICE_GENERATION",)"
            R"("credits":7,"provider":"TWILIO","campaign_id":"camp-1"}})");
}

TEST(CommandJsonTest, QuotesBackslashesAndControlCharactersAreEscaped) {
  EXPECT_EQ(PurchaseJson({.key = "a\"b\\c\nd",
                          .customer = "c",
                          .at = "t",
                          .purchase_id = "p",
                          .credits = 1}),
            R"({"key":"a\"b\\c\u000ad","customer":"c","at":"t",)"
            R"("purchase":{"purchase_id":"p","credits":1,"amount_minor":1000,)"
            R"("currency":"USD"}})");
}

TEST(CommandJsonTest, AnyKindIsWrittenWithNestedListsBooleansAndSortedMetadata) {
  v1::Command alerts;
  alerts.set_key("k9");
  alerts.set_customer("c1");
  alerts.set_at("2026-03-08T10:00:00Z");
  (*alerts.mutable_metadata())["ticket"] = "T-1";
  (*alerts.mutable_metadata())["call"] = "x";
  v1::AlertThreshold* low = alerts.mutable_set_alerts()->add_thresholds();
  low->set_code("low");
  low->set_credits(100);
  alerts.mutable_set_alerts()->add_thresholds()->set_code("out");
  EXPECT_EQ(CommandJson(alerts),
            R"({"key":"k9","customer":"c1","at":"2026-03-08T10:00:00Z",)"
            R"("metadata":{"call":"x","ticket":"T-1"},"set_alerts":{"thresholds":)"
            R"([{"code":"low","credits":100},{"code":"out"}]}})");

  v1::Command chargeback;
  chargeback.set_key("k10");
  chargeback.set_customer("c1");
  chargeback.set_at("2026-03-08T11:00:00Z");
  chargeback.mutable_chargeback()->set_purchase_id("p1");
  chargeback.mutable_chargeback()->set_contacted_support(false);
  EXPECT_EQ(CommandJson(chargeback),
            R"({"key":"k10","customer":"c1","at":"2026-03-08T11:00:00Z",)"
            R"("chargeback":{"purchase_id":"p1","contacted_support":false}})");

  v1::Command expire;
  expire.set_key("k11");
  expire.set_customer("c1");
  expire.mutable_expire();  // no `at`: the ledger stamps it
  EXPECT_EQ(CommandJson(expire), R"({"key":"k11","customer":"c1","expire":{}})");
}

TEST(CommandBuildersTest, PurchaseLeavesTheExpiryUnsetWhenNoneIsGiven) {
  const v1::Command cmd = Purchase({.key = "k", .customer = "c", .at = "t",
                                    .purchase_id = "p", .credits = 1});
  EXPECT_FALSE(cmd.purchase().has_expires_at());
  EXPECT_EQ(cmd.purchase().currency(), "USD");
}

}  // namespace
}  // namespace ledger::workload
