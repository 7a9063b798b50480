// ledgerctl's subcommands (docs/ledgerctl.md); the argument parser they
// share is tools/ledgerctl/arguments.h, the failure lines tools/ledgerctl/failure.h.
//
// Every subcommand takes the arguments that follow its name, prints its usage
// to stdout with exit status 0 on `--help` / `-h`, and prints the problem and
// a hint to --help to stderr with exit status 2 on bad usage. Other failures
// (the store, the input file, an unknown customer) print one line to stderr
// and exit with status 1, or 3 when another process holds the ledger open
// for writing.
#ifndef CREDIT_LEDGER_TOOLS_COMMANDS_H_
#define CREDIT_LEDGER_TOOLS_COMMANDS_H_

#include <span>

#include "tools/ledgerctl/arguments.h"

namespace ledger::tools {

// The subcommands. Each returns the process exit status.
const CommandSpec& ApplySpec();
int RunApply(std::span<char* const> args);

const CommandSpec& BalanceSpec();
int RunBalance(std::span<char* const> args);

const CommandSpec& ReplaySpec();
int RunReplay(std::span<char* const> args);

const CommandSpec& TrialBalanceSpec();
int RunTrialBalance(std::span<char* const> args);

const CommandSpec& DigestSpec();
int RunDigest(std::span<char* const> args);

const CommandSpec& VerifySpec();
int RunVerify(std::span<char* const> args);

const CommandSpec& DemoSpec();
int RunDemo(std::span<char* const> args);

// Audits (docs/audit.md).
const CommandSpec& StatementSpec();
int RunStatement(std::span<char* const> args);

const CommandSpec& ExportSpec();
int RunExport(std::span<char* const> args);

const CommandSpec& ImportSpec();
int RunImport(std::span<char* const> args);

const CommandSpec& TailSpec();
int RunTail(std::span<char* const> args);

const CommandSpec& LiabilitySpec();
int RunLiability(std::span<char* const> args);
const CommandSpec& RejectionsSpec();
int RunRejections(std::span<char* const> args);
const CommandSpec& RefundsSpec();
int RunRefunds(std::span<char* const> args);

// Queries on the stored projections (ledger/stored_state.h).
const CommandSpec& CustomersSpec();
int RunCustomers(std::span<char* const> args);

const CommandSpec& PolicySpec();
int RunPolicy(std::span<char* const> args);

const CommandSpec& AuditTimesSpec();
int RunAuditTimes(std::span<char* const> args);
const CommandSpec& BackupSpec();
int RunBackup(std::span<char* const> args);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_COMMANDS_H_
