// docs/contract.md section 15 (and step 4 of section 5): the time a command
// is judged at. A command without `at` is stamped with the writer's clock,
// raised to the customer's last time (for set_policy, the last policy's); a
// command dated a little before the customer's last time, within the skew
// tolerance of the policy in force then, is judged at that last time; one
// dated earlier still is TIME_WENT_BACKWARDS. Pure: the clock is an input
// (the write path reads it; replay gives the stored time back).
#ifndef CREDIT_LEDGER_LEDGER_RULES_JUDGING_TIME_H_
#define CREDIT_LEDGER_LEDGER_RULES_JUDGING_TIME_H_

#include <cstdint>

#include "ledger/rules/decide.h"
#include "ledger/v1/command.pb.h"
#include "projections/ledger_state.h"

namespace ledger::rules {

struct JudgingTime {
  Decision verdict;  // accepted, or the rejection (TIME_WENT_BACKWARDS, ...)
  int64_t at_us = 0;  // when accepted: the time to judge the command at
  bool chosen = false;  // the ledger chose at_us: stamped, or raised by skew
};

// REQUIRES: ValidateAndCanonicalize(command) succeeded; `customer` is the
// command's customer, null for set_policy and for a customer the command
// creates. `received_at_us` is the writer's clock when the command arrived,
// or kNoReceivedTimeUs; only a command without `at` reads it.
JudgingTime DecideJudgingTime(const v1::Command& command,
                              const CustomerState* customer,
                              const LedgerState& state, int64_t received_at_us);

}  // namespace ledger::rules

#endif  // CREDIT_LEDGER_LEDGER_RULES_JUDGING_TIME_H_
