// `ledgerctl demo`'s report on stdout (problems on stderr), as text or as
// one JSON document.
#ifndef CREDIT_LEDGER_TOOLS_DEMO_REPORT_H_
#define CREDIT_LEDGER_TOOLS_DEMO_REPORT_H_

#include <string>

#include "tools/ledgerctl/arguments.h"
#include "tools/ledgerctl/demo_day.h"

namespace ledger::tools {

// Reads the closed ledger the day left in config.dir (the liability
// report for the credits and the cash, a replay, a verification against
// its own digest), then prints the report: the day's counts, what happened
// to the credits and the cash, how to look a customer up, and the verdicts.
// Returns the exit status: kExitOk when the ledger could be read and both
// checks passed.
int ReportDay(const DemoConfig& config, const DayResult& day, Format format);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_DEMO_REPORT_H_
