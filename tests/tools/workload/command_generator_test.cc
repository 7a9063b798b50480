// The command generator of tools/workload (command_generator.h): every kind,
// each a command the ledger parses, reproducible from its choices, and
// finishing even when the choices run dry (fuzz bytes used up).
#include "tools/workload/command_generator.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "tools/workload/command_json.h"

namespace ledger::workload {
namespace {

// Always the lowest value: a fuzz input whose bytes are used up.
class DryChoices final : public Choices {
 public:
  int64_t Pick(int64_t lo, int64_t) override { return lo; }
};

std::vector<v1::Command> Make(const CommandMix& mix, Choices& in, int n) {
  CommandGenerator gen(mix);
  std::vector<v1::Command> out;
  for (int i = 0; i < n; ++i) out.push_back(gen.Next(in));
  return out;
}

TEST(CommandGenerator, EachMixMakesEveryKindOfCommandItWeighs) {
  for (const CommandMix& mix : {CommandMix::Fuzz(), CommandMix::Randomized()}) {
    SeededChoices in(7);
    std::set<int> kinds;
    bool top_up = false;
    for (const v1::Command& c : Make(mix, in, 3000)) {
      kinds.insert(c.kind_case());
      top_up = top_up || c.purchase().has_top_up_request_id();
    }
    // The Randomized mix leaves out set_policy alone.
    const bool fuzz = mix.customers == CommandMix::Fuzz().customers;
    EXPECT_EQ(kinds.size(), fuzz ? 24u : 23u);
    EXPECT_TRUE(top_up);
  }
}

// Judged, accepted or refused by a rule, never INVALID_COMMAND: each JSON
// line is a well-formed command, so the tests that draw from the generator
// reach the decision rules.
TEST(CommandGenerator, EveryCommandsJsonLineIsAWellFormedCommand) {
  SeededChoices in(11);
  testing::TestLedger db;
  for (const v1::Command& c : Make(CommandMix::Fuzz(), in, 1500)) {
    const std::string line = CommandJson(c);
    EXPECT_NE(db.Code(line), "INVALID_COMMAND") << line;
  }
}

TEST(CommandGenerator, TheSameChoicesGiveTheSameCommands) {
  SeededChoices a(3), b(3);
  const std::vector<v1::Command> first = Make(CommandMix::Randomized(), a, 500);
  const std::vector<v1::Command> again = Make(CommandMix::Randomized(), b, 500);
  for (size_t i = 0; i < first.size(); ++i) {
    ASSERT_EQ(first[i].SerializeAsString(), again[i].SerializeAsString()) << i;
  }
}

TEST(CommandGenerator, ChoicesThatRunDryStillGiveWellFormedCommands) {
  DryChoices in;
  testing::TestLedger db;
  for (const v1::Command& c : Make(CommandMix::Fuzz(), in, 50)) {
    EXPECT_NE(c.kind_case(), v1::Command::KIND_NOT_SET);
    EXPECT_NE(db.Code(CommandJson(c)), "INVALID_COMMAND") << CommandJson(c);
  }
}

}  // namespace
}  // namespace ledger::workload
