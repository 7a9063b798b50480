#include "tools/ledgerctl/progress.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledger::tools {
namespace {

using ::testing::HasSubstr;

TEST(ProgressBar, ShowsShareRateAndTimeLeft) {
  const std::string line =
      ProgressBar::Render("replay", 250000, 1000000, absl::Seconds(5));
  EXPECT_THAT(line, HasSubstr("replay ["));
  EXPECT_THAT(line, HasSubstr(" 25%"));
  EXPECT_THAT(line, HasSubstr("250000/1000000"));
  EXPECT_THAT(line, HasSubstr("50.0k/s"));
  EXPECT_THAT(line, HasSubstr("15s left"));
  EXPECT_THAT(line, HasSubstr("[#######....."));
}

TEST(ProgressBar, UnknownTotalShowsCountAndRateOnly) {
  const std::string line =
      ProgressBar::Render("import", 3000000, 0, absl::Seconds(2));
  EXPECT_EQ(line, "import 3000000  1.5M/s  2s");
}

TEST(ProgressBar, DoneBeyondTotalIsCappedAtTheTotal) {
  const std::string line =
      ProgressBar::Render("verify", 12, 10, absl::Minutes(2));
  EXPECT_THAT(line, HasSubstr("100%"));
  EXPECT_THAT(line, HasSubstr("10/10"));
  EXPECT_THAT(line, HasSubstr("0s left"));
}

}  // namespace
}  // namespace ledger::tools
