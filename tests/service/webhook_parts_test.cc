// ledgerd --webhooks' parts in-process: the endpoints file, the KINDS
// filter over export JSON, the Standard Webhooks signature (checked against
// the example Standard Webhooks publishes), the retry schedule and the
// arrival times behind the age metric.
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tools/ledgerd/webhooks/arrival_log.h"
#include "tools/ledgerd/webhooks/webhook_config.h"
#include "tools/ledgerd/webhooks/webhook_delivery.h"
#include "tools/ledgerd/webhooks/webhook_message.h"

namespace ledger::ledgerd {
namespace {

constexpr char kSecret[] = "a-secret-of-at-least-24-chars";

TEST(WebhookConfigTest, ReadsNameUrlSecretAndKinds) {
  auto endpoints = ParseWebhooks(
      "# endpoints\n"
      "\n"
      "billing https://billing.example/hooks a-secret-of-at-least-24-chars "
      "use,alerts  # low balances\n"
      "crm http://127.0.0.1:8080/x a-secret-with-#-inside-of-24\n",
      "hooks.txt");
  ASSERT_TRUE(endpoints.ok()) << endpoints.status();
  ASSERT_EQ(endpoints->size(), 2u);
  EXPECT_EQ((*endpoints)[0].name, "billing");
  EXPECT_EQ((*endpoints)[0].url, "https://billing.example/hooks");
  EXPECT_EQ((*endpoints)[0].signing_key, kSecret);
  EXPECT_EQ((*endpoints)[0].kinds, (std::set<std::string>{"use", "alerts"}));
  EXPECT_EQ((*endpoints)[1].signing_key, "a-secret-with-#-inside-of-24");
  EXPECT_TRUE((*endpoints)[1].kinds.empty());
}

TEST(WebhookConfigTest, AWhsecSecretMeansItsBase64DecodedBytes) {
  auto endpoints = ParseWebhooks(
      "svix http://h/ whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", "f");
  ASSERT_TRUE(endpoints.ok()) << endpoints.status();
  EXPECT_EQ((*endpoints)[0].signing_key.size(), 24u);
  EXPECT_EQ(ParseWebhooks("svix http://h/ whsec_not*base64*at*all*!!!\n", "f")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(WebhookConfigTest, EachBadLineIsRefusedNamingTheLine) {
  const std::string ok = "a http://h/ a-secret-of-at-least-24-chars\n";
  for (const std::string& bad : {
           std::string("a http://h/\n"),                         // 2 words
           std::string("a http://h/ short-secret\n"),            // < 24
           std::string("a ftp://h/ a-secret-of-at-least-24-chars\n"),
           std::string("a/b http://h/ a-secret-of-at-least-24-chars\n"),
           std::string("a http://h/ a-secret-of-at-least-24-chars nope\n"),
           std::string("a http://h/ a-secret-of-at-least-24-chars use,,hold\n"),
           ok,  // a repeated name
       }) {
    auto parsed =
        ParseWebhooks("# first\n" + (bad == ok ? ok + ok : bad), "hooks.txt");
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_NE(parsed.status().message().find("hooks.txt:"), std::string::npos)
        << parsed.status();
  }
}

TEST(WebhookConfigTest, EveryCommandKindAndAlertsAndTopUpAreKnownKinds) {
  auto endpoints = ParseWebhooks(
      "a http://h/ a-secret-of-at-least-24-chars "
      "purchase,use,hold,capture,set_policy,expire,alerts,top_up\n",
      "f");
  ASSERT_TRUE(endpoints.ok()) << endpoints.status();
  EXPECT_EQ((*endpoints)[0].kinds.size(), 8u);
}

TEST(WebhookMessageTest, SignatureIsTheStandardWebhooksExample) {
  // The example of the Standard Webhooks specification.
  auto key = SigningKeyOf("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(WebhookSignature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                             R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookMessageTest, ASecretWithoutThePrefixIsItsOwnBytes) {
  auto key = SigningKeyOf(kSecret);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, kSecret);
}

TEST(WebhookMessageTest, TheIdIsTheEventHashInHex) {
  EXPECT_EQ(WebhookId(std::string("\x01\xab", 2)), "evt_01ab");
}

TEST(WebhookMessageTest, InAClusterTheIdNamesThePartitionBeforeTheHash) {
  // The same event bytes can open two partitions' chains: two events.
  EXPECT_EQ(PartitionWebhookId(3, std::string("\x01\xab", 2)), "evt_p3_01ab");
  EXPECT_NE(PartitionWebhookId(0, "h"), PartitionWebhookId(1, "h"));
}

TEST(WebhookFilterTest, NoKindsWantsEveryEvent) {
  EXPECT_TRUE(WantsEvent({}, R"({"seq": 1, "kind": "use"})"));
}

TEST(WebhookFilterTest, ACommandKindIsMatchedByTheKindMember) {
  const std::set<std::string> kinds = {"use", "purchase"};
  EXPECT_TRUE(WantsEvent(kinds, R"({"seq": 1, "kind": "use"})"));
  EXPECT_TRUE(WantsEvent(kinds, R"({"seq": 2, "kind": "purchase"})"));
  EXPECT_FALSE(WantsEvent(kinds, R"({"seq": 3, "kind": "hold"})"));
}

TEST(WebhookFilterTest, AlertsWantsAnEventWithANonEmptyAlertsMember) {
  const std::set<std::string> kinds = {"alerts"};
  EXPECT_TRUE(WantsEvent(
      kinds, R"({"seq": 4, "kind": "use", "alerts": [{"code": "low",
                "credits": 100, "state": "TRIGGERED"}]})"));
  EXPECT_FALSE(WantsEvent(kinds, R"({"seq": 5, "kind": "use", "alerts": []})"));
  EXPECT_FALSE(WantsEvent(kinds, R"({"seq": 6, "kind": "use"})"));
  EXPECT_FALSE(WantsEvent(
      kinds, R"({"seq": 7, "kind": "use", "top_up": {"request_id": "topup-1",
                "credits": 900}})"));
}

TEST(WebhookFilterTest, TopUpWantsAnEventWithATopUpMember) {
  const std::set<std::string> kinds = {"top_up", "purchase"};
  EXPECT_TRUE(WantsEvent(
      kinds, R"({"seq": 8, "kind": "use", "top_up": {"request_id": "topup-1",
                "credits": 900}})"));
  EXPECT_TRUE(WantsEvent(kinds, R"({"seq": 9, "kind": "purchase"})"));
  EXPECT_FALSE(WantsEvent(
      kinds, R"({"seq": 10, "kind": "use", "alerts": [{"code": "low"}]})"));
}

TEST(WebhookFilterTest, AnObjectThatDoesNotParseIsSentNotDropped) {
  EXPECT_TRUE(WantsEvent({"use"}, "not json"));
}

TEST(WebhookDeliveryTest, BackoffDoublesFromOneSecondToFiveMinutes) {
  const WebhookTiming timing;
  EXPECT_EQ(BackoffAfter(1, timing), absl::Seconds(1));
  EXPECT_EQ(BackoffAfter(2, timing), absl::Seconds(2));
  EXPECT_EQ(BackoffAfter(3, timing), absl::Seconds(4));
  EXPECT_EQ(BackoffAfter(9, timing), absl::Seconds(256));
  EXPECT_EQ(BackoffAfter(10, timing), absl::Minutes(5));
  EXPECT_EQ(BackoffAfter(1000000, timing), absl::Minutes(5));
}

TEST(ArrivalLogTest, AnEventIsAsOldAsTheFirstSampleThatSawIt) {
  ArrivalLog log;
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  log.Record(5, t0);
  log.Record(5, t0 + absl::Seconds(1));  // no growth: ignored
  log.Record(9, t0 + absl::Seconds(2));
  const absl::Time now = t0 + absl::Seconds(10);
  EXPECT_EQ(log.AgeAfter(0, now), absl::Seconds(10));
  EXPECT_EQ(log.AgeAfter(4, now), absl::Seconds(10));
  EXPECT_EQ(log.AgeAfter(5, now), absl::Seconds(8));
  EXPECT_EQ(log.AgeAfter(9, now), absl::ZeroDuration());  // caught up
  log.Forget(5);
  EXPECT_EQ(log.size(), 1u);
  EXPECT_EQ(log.AgeAfter(5, now), absl::Seconds(8));
}

TEST(ArrivalLogTest, PastItsBoundTheOldestArrivalIsKept) {
  ArrivalLog log;
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  for (uint64_t i = 1; i <= ArrivalLog::kMaxSamples + 10; ++i) {
    log.Record(i, t0 + absl::Seconds(i));
  }
  EXPECT_EQ(log.size(), ArrivalLog::kMaxSamples);
  EXPECT_EQ(log.AgeAfter(0, t0 + absl::Seconds(100)), absl::Seconds(99));
}

}  // namespace
}  // namespace ledger::ledgerd
