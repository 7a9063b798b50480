// What a server answers under /console (console_response.h): the file, a
// redirect to the slash, or 404, always with the console's headers.
#include "tools/ledgerd/console/console_response.h"

#include <string>

#include "gtest/gtest.h"
#include "tools/ledgerd/console/console_assets.h"

namespace ledger::console {
namespace {

std::string HeaderOf(const ConsoleResponse& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return std::string(value);
  }
  return "";
}

TEST(ConsoleResponse, AnAssetIsServedWithItsTypeAndTheConsolePolicy) {
  const ConsoleResponse r = AnswerConsoleRequest("/console/app.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(r.body, FindConsoleAsset("/console/app.js")->bytes);
  EXPECT_EQ(HeaderOf(r, "Content-Security-Policy"),
            kConsoleContentSecurityPolicy);
  EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
}

TEST(ConsoleResponse, TheRootWithoutItsSlashRedirectsToIt) {
  const ConsoleResponse r = AnswerConsoleRequest("/console");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.location, "/console/");
}

TEST(ConsoleResponse, TheRootIsTheIndexPage) {
  const ConsoleResponse r = AnswerConsoleRequest("/console/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
}

TEST(ConsoleResponse, AnUnknownFileIs404WithTheHeadersStill) {
  const ConsoleResponse r = AnswerConsoleRequest("/console/../etc/passwd");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(HeaderOf(r, "Content-Security-Policy"),
            kConsoleContentSecurityPolicy);
}

TEST(ConsoleResponse, OnlyTheConsolesPathsAreItsToAnswer) {
  EXPECT_TRUE(IsConsolePath("/console"));
  EXPECT_TRUE(IsConsolePath("/console/"));
  EXPECT_TRUE(IsConsolePath("/console/app.js"));
  EXPECT_FALSE(IsConsolePath("/consoles"));
  EXPECT_FALSE(IsConsolePath("/v1/customers"));
  EXPECT_FALSE(IsConsolePath("/"));
}

}  // namespace
}  // namespace ledger::console
