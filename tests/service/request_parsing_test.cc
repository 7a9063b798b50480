// ParseRequest (tools/ledgerd/request_parsing.h): what protobuf refuses is
// InvalidArgument naming the field that is not UTF-8.
#include "tools/ledgerd/request_parsing.h"

#include <string>

#include <grpcpp/support/slice.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/service.pb.h"

namespace ledger::ledgerd {
namespace {

using ::testing::HasSubstr;

// A length-delimited field (lengths below 128).
std::string Field(int number, const std::string& data) {
  return std::string(1, static_cast<char>(number << 3 | 2)) +
         std::string(1, static_cast<char>(data.size())) + data;
}

grpc::ByteBuffer Buffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

TEST(ParseRequest, AValidRequestParses) {
  v1::SubmitRequest request;
  request.mutable_command()->set_key("k1");
  v1::SubmitRequest parsed;
  ASSERT_TRUE(ParseRequest(Buffer(request.SerializeAsString()), parsed).ok());
  EXPECT_EQ(parsed.command().key(), "k1");
}

TEST(ParseRequest, ANonUtf8KeyIsInvalidArgumentNamingCommandKey) {
  v1::SubmitRequest parsed;
  absl::Status status = ParseRequest(
      Buffer(Field(1, Field(1, "k-\xff") + Field(2, "c1"))), parsed);
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("field command.key "));
}

TEST(ParseRequest, TheCommandOfABatchIsNamedByItsIndex) {
  v1::SubmitBatchRequest parsed;
  absl::Status status = ParseRequest(
      Buffer(Field(1, Field(1, "k1")) + Field(1, Field(1, "k2")) +
             Field(1, Field(2, "c\xc0\xaf"))),
      parsed);
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("field commands[2].customer "));
}

TEST(ParseRequest, TruncatedBytesAreInvalidArgumentSayingMalformed) {
  v1::SubmitRequest parsed;
  absl::Status status = ParseRequest(Buffer("\x0a\x64" "abc"), parsed);
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("malformed"));
}

TEST(ParseRequest, SerializeResponseGivesTheMessagesBytes) {
  v1::SubmitResponse response;
  response.mutable_result()->set_key("k1");
  grpc::ByteBuffer buffer = SerializeResponse(response);
  v1::SubmitResponse back;
  ASSERT_TRUE(ParseRequest(buffer, back).ok());
  EXPECT_EQ(back.result().key(), "k1");
}

}  // namespace
}  // namespace ledger::ledgerd
