// How ledgerctl reports a failure: one line on stderr, in one shape for
// every command,
//
//   ledgerctl COMMAND: WHAT FAILED: WHY. WHAT TO DO.
//
// and an exit status that tells a script what kind of failure it was
// (docs/ledgerctl.md, "Exit status"). WHY is the library's message without
// its status code name (no "NOT_FOUND:" for a person to decode).
#ifndef CREDIT_LEDGER_TOOLS_FAILURE_H_
#define CREDIT_LEDGER_TOOLS_FAILURE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace ledger::tools {

// The exit status of a failure with `status`: kExitBusy when another
// process holds the ledger open for writing (Aborted, from Ledger::Open),
// kExitFailure otherwise.
int ExitStatusOf(const absl::Status& status);

// The advice printed after a failure with `status` when the caller gives
// none: what a person can do about it, or "" when there is nothing general
// to say.
std::string DefaultHint(const absl::Status& status);

// Writes "ledgerctl COMMAND: WHAT: WHY. HINT" to stderr, HINT being `hint`
// or, when empty, DefaultHint(status); returns ExitStatusOf(status).
// REQUIRES: !status.ok().
int Fail(std::string_view command, std::string_view what,
         const absl::Status& status, std::string_view hint = "");

// OK when no process holds the ledger in `dir` open for writing, checked
// by opening it (never creating it) and closing it again; Aborted, which
// Fail reports as busy, when one does. For the writers that replace a
// folder (demo, import): removing a ledger under a live writer would lose
// what it goes on writing. REQUIRES: `dir` holds a ledger.
absl::Status CheckNoWriter(const std::string& dir);

// Writes "ledgerctl COMMAND: MESSAGE" to stderr for a failure that is not a
// library status (a check that did not pass, a file that cannot be
// written); returns kExitFailure.
int FailWith(std::string_view command, std::string_view message);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_FAILURE_H_
