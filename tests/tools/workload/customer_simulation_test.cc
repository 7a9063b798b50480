// A simulated customer's day is a function of (seed, index) and of the
// results it is given (tools/workload/customer_simulation.h).
#include "tools/workload/customer_simulation.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "tools/workload/platform_day.h"

namespace ledger::workload {
namespace {

// The customer's whole day against a fresh ledger, as serialized commands.
std::vector<std::string> Day(uint64_t seed, int index) {
  testing::TestLedger db;
  EXPECT_EQ(testing::OutcomeName(db->Submit(NoonPolicy()).value()),
            "ACCEPTED");
  SimulatedCustomer customer(seed, index);
  std::vector<std::string> commands;
  while (std::optional<v1::Command> cmd = customer.NextCommand()) {
    commands.push_back(cmd->SerializeAsString());
    customer.OnResult(*cmd, db->Submit(*cmd).value());
  }
  return commands;
}

TEST(CustomerSimulationTest, TheSameSeedAndIndexGiveTheSameDay) {
  const std::vector<std::string> first = Day(3, 7);
  ASSERT_GT(first.size(), 5u);
  EXPECT_EQ(Day(3, 7), first);
}

TEST(CustomerSimulationTest, AnotherSeedOrIndexGivesAnotherDay) {
  const std::vector<std::string> day = Day(3, 7);
  EXPECT_NE(Day(4, 7), day);
  EXPECT_NE(Day(3, 8), day);
}

}  // namespace
}  // namespace ledger::workload
