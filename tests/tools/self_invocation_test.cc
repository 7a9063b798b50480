// The words ledgerctl's hints are made of (tools/ledgerctl/self_invocation.h): a
// folder or a binary's path becomes one shell word that a shell reads back
// as it was.
#include "tools/ledgerctl/self_invocation.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::tools {
namespace {

TEST(SelfInvocation, APlainPathIsOneWordAsItIs) {
  EXPECT_EQ(ShellWord("./build/tools/ledgerctl"), "./build/tools/ledgerctl");
  EXPECT_EQ(ShellWord("build/demo-db"), "build/demo-db");
}

TEST(SelfInvocation, AnyOtherWordIsQuotedAndTheShellReadsItBack) {
  for (const std::string word :
       {"my ledger", "it's", "$HOME", "a;b", "*", "", "back\\slash"}) {
    const std::string quoted = ShellWord(word);
    EXPECT_NE(quoted, word);
    std::string out;
    ASSERT_EQ(ledger::testing::RunCommand("printf '%s' " + quoted, &out), 0) << quoted;
    EXPECT_EQ(out, word) << quoted;
  }
}

TEST(SelfInvocation, TheRunningBinaryIsReachedByTheWordGiven) {
  // The tests' own binary: not on PATH, so a path that a shell runs.
  const std::string self = SelfInvocation();
  EXPECT_NE(self, "ledgerctl");
  std::string out;
  EXPECT_EQ(ledger::testing::RunCommand("test -x " + self, &out), 0) << self;
}

}  // namespace
}  // namespace ledger::tools
