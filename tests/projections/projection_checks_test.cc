// The always-on checks of the projections (ledger/base/check.h): a caller
// that breaks what a fold REQUIRES stops the process with a message, in
// every build, instead of folding a wrong balance.
#include "gtest/gtest.h"
#include "projections/balance.h"
#include "projections/consumption_order.h"
#include "projections/ledger_state.h"

namespace ledger {
namespace {

class ProjectionChecksDeathTest : public ::testing::Test {
 protected:
  // The test binary runs threads: re-exec rather than fork a copy of them.
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(ProjectionChecksDeathTest, PlanningDrawsBeyondWhatIsAvailableStopsTheProcess) {
  CustomerState customer;
  EXPECT_DEATH(PlanDraws(customer, 0, 5, v1::AI_PROCESSING),
               "PlanDraws called with 5 credits more than are available");
}

TEST_F(ProjectionChecksDeathTest, ProRataOfALotThatGrantedNothingStopsTheProcess) {
  EXPECT_DEATH(ProRataCashMinor(100, 0, 0), "pro rata of 0 credits out of 0 granted");
}

TEST_F(ProjectionChecksDeathTest, APolicyEffectiveBeforeTheLastOneStopsTheProcess) {
  PolicyBook book;
  v1::PolicyState later;
  later.set_effective_from_us(2000);
  book.Add(later);
  v1::PolicyState earlier;
  earlier.set_effective_from_us(1000);
  EXPECT_DEATH(book.Add(earlier), "policy effective at 1000 us added after one at 2000 us");
}

}  // namespace
}  // namespace ledger
