// How a person runs this very ledgerctl again, for the commands a report
// suggests next (`ledgerctl demo` ends with a few): a hint that names a
// binary the shell cannot find is a first-contact trap, since a build tree's
// ledgerctl is not on PATH.
#ifndef CREDIT_LEDGER_TOOLS_SELF_INVOCATION_H_
#define CREDIT_LEDGER_TOOLS_SELF_INVOCATION_H_

#include <string>
#include <string_view>

namespace ledger::tools {

// The word that runs the running ledgerctl from the current folder:
// "ledgerctl" when that name on PATH is this binary (an installed one);
// else its path below the current folder, "./build/tools/ledgerctl" after
// `make demo`; else its absolute path. Falls back to "ledgerctl" when the
// binary's own path cannot be read (no /proc).
std::string SelfInvocation();

// `word` as one shell word: as it is when it holds only characters no shell
// treats specially, else in single quotes.
std::string ShellWord(std::string_view word);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_SELF_INVOCATION_H_
