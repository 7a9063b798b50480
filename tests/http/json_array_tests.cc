// The body of POST /v1/commands split into its commands
// (tools/ledgerd/http/json_array.h): only the array's structure is read,
// strings and nesting included, and a body past the bound is refused as
// soon as it is seen to be.
#include "tools/ledgerd/http/json_array.h"

#include "gtest/gtest.h"

namespace ledger::http {
namespace {

TEST(SplitCommandBody, AnObjectIsOneCommandAnsweredAsAnObject) {
  absl::StatusOr<CommandBody> body = SplitCommandBody(" {\"key\": \"k\"} \n", 10);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_FALSE(body->is_array);
  EXPECT_EQ(body->elements, std::vector<std::string>{"{\"key\": \"k\"}"});
}

TEST(SplitCommandBody, AnArraySplitsAtItsOwnCommasOnly) {
  absl::StatusOr<CommandBody> body = SplitCommandBody(
      R"([{"a": [1, 2], "s": "x,]}\"y"} , {"b": {"c": ","}},3])", 10);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_TRUE(body->is_array);
  EXPECT_EQ(body->elements,
            (std::vector<std::string>{R"({"a": [1, 2], "s": "x,]}\"y"})",
                                      R"({"b": {"c": ","}})", "3"}));
}

TEST(SplitCommandBody, AnEmptyArrayHasNoCommands) {
  absl::StatusOr<CommandBody> body = SplitCommandBody("[ ]", 10);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_TRUE(body->is_array);
  EXPECT_TRUE(body->elements.empty());
}

TEST(SplitCommandBody, MalformedBodiesAreInvalidArguments) {
  for (const char* bad : {"", "42", "[{}", "[{},]", "[,{}]", "[{}] x",
                          "[\"unterminated]", "[{}]]"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(SplitCommandBody(bad, 10).status()))
        << bad;
  }
}

TEST(SplitCommandBody, OneCommandPastTheBoundIsOutOfRange) {
  EXPECT_TRUE(SplitCommandBody("[1,2,3]", 3).ok());
  EXPECT_TRUE(absl::IsOutOfRange(SplitCommandBody("[1,2,3,4]", 3).status()));
  // Refused before the rest is read, however it ends.
  EXPECT_TRUE(absl::IsOutOfRange(SplitCommandBody("[1,2,3,4,", 3).status()));
}

}  // namespace
}  // namespace ledger::http
