// ledger::OutcomeName (ledger/ledger.h): one stable word per outcome, the
// words the service's metrics and the tests already use.
#include <string_view>

#include "gtest/gtest.h"
#include "ledger/ledger.h"

namespace ledger {
namespace {

TEST(OutcomeNameTest, NamesEveryOutcomeInCapitals) {
  EXPECT_EQ(OutcomeName(Outcome::kAccepted), "ACCEPTED");
  EXPECT_EQ(OutcomeName(Outcome::kDuplicate), "DUPLICATE");
  EXPECT_EQ(OutcomeName(Outcome::kRejected), "REJECTED");
}

TEST(OutcomeNameTest, AValueOutsideTheEnumIsUnknownNotACrash) {
  EXPECT_EQ(OutcomeName(static_cast<Outcome>(42)), "UNKNOWN");
}

// constexpr, so a caller may use it in a static table of labels.
static_assert(OutcomeName(Outcome::kAccepted) == std::string_view("ACCEPTED"));

}  // namespace
}  // namespace ledger
