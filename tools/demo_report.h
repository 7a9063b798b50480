// `ledgerctl demo`'s report on stdout (problems on stderr).
#ifndef CREDIT_LEDGER_TOOLS_DEMO_REPORT_H_
#define CREDIT_LEDGER_TOOLS_DEMO_REPORT_H_

#include <string>

#include "tools/demo_day.h"

namespace ledger::tools {

// The day's counts: commands, events, outcomes by code, credits used by
// category and expired, throughput.
void PrintReport(const DemoConfig& config, const DayResult& day);

// Replays the closed ledger in `dir`, then verifies its hash chain against
// its own digest; prints both verdicts. Returns the exit status: kExitOk
// when both pass.
int ReplayAndReport(const std::string& dir);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_DEMO_REPORT_H_
