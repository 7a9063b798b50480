// Forwarding's status mapping (tools/ledgerd/cluster/forward_status.h): what
// the client of the forwarding node hears for each way a forwarded request
// ends, without a NATS server.
#include "tools/ledgerd/cluster/forward_status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledger::cluster {
namespace {

using ::testing::HasSubstr;

TEST(ForwardStatus, TheHostingNodesStatusReachesTheClientAsItWas) {
  for (const absl::Status& decided :
       {absl::InvalidArgumentError("customer: too long"),
        absl::UnavailableError("partition 1 on this node: the disk is full"),
        absl::DeadlineExceededError("min_seq 9 not reached"),
        absl::FailedPreconditionError("the ledger is stopped"),
        absl::InternalError("the ledger's store failed")}) {
    const AnswerHeaders headers = ToAnswerHeaders(decided);
    EXPECT_EQ(FromAnswerHeaders(headers.code, headers.message), decided);
  }
}

TEST(ForwardStatus, AnOkAnswerCarriesCodeZeroAndNoMessage) {
  const AnswerHeaders headers = ToAnswerHeaders(absl::OkStatus());
  EXPECT_EQ(headers.code, "0");
  EXPECT_EQ(headers.message, "");
  EXPECT_TRUE(FromAnswerHeaders(headers.code, headers.message).ok());
}

TEST(ForwardStatus, AnAnswerWithoutACodeIsTakenAsOk) {
  EXPECT_TRUE(FromAnswerHeaders("", "").ok());
  EXPECT_TRUE(FromAnswerHeaders("not a number", "ignored").ok());
}

TEST(ForwardStatus, NoHostingNodeIsUnavailableRetryLater) {
  const absl::Status s = ForwardFailed(3, NATS_NO_RESPONDERS);
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("no node hosting partition 3"));
  EXPECT_THAT(s.message(), HasSubstr("retry later"));
}

TEST(ForwardStatus, ATimeoutIsUnavailableRetryWithTheSameKeys) {
  // The hosting node may have applied the batch: only the keys make a retry
  // safe, so the message says to keep them.
  const absl::Status s = ForwardFailed(1, NATS_TIMEOUT);
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("partition 1 did not answer in time"));
  EXPECT_THAT(s.message(), HasSubstr("retry with the same keys"));
}

TEST(ForwardStatus, AnyOtherNatsFailureIsUnavailableAndNamesIt) {
  const absl::Status s = ForwardFailed(0, NATS_CONNECTION_CLOSED);
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("forwarding to a hosting node"));
  EXPECT_THAT(s.message(), HasSubstr(natsStatus_GetText(NATS_CONNECTION_CLOSED)));
}

}  // namespace
}  // namespace ledger::cluster
