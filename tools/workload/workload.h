// tools/workload (CMake target ledger_workload): what the ledger is fed
// with outside production, shared by `ledgerctl demo`, the benchmarks and
// the tests so that each does not grow its own copy.
//
// It owns:
//   command_builders.h     single commands as v1::Command (a purchase, a use)
//   command_json.h         the same as docs/contract.md section 4 JSON lines
//   platform_day.h         the simulated day: its date, units, noon policy
//   customer_simulation.h  one customer's day, from a seed: the next command
//                          chosen after the previous result
//   choices.h              where generated commands take their choices from:
//                          a seeded stream, fuzz bytes, the customers' stream
//   command_generator.h    commands of every kind at random over a few
//                          customers and ids (the invariant tests, the fuzzer)
// It does not own submitting: it never opens or writes a ledger. Drivers
// (tools/ledgerctl/demo_*.cc, bench/) decide threads, batches and what to count.
//
// It may include the public API, the vocabulary, the schema, ledger/base,
// Abseil and protobuf (cmake/check_layering.py); nothing of ledgerctl.
#ifndef CREDIT_LEDGER_TOOLS_WORKLOAD_WORKLOAD_H_
#define CREDIT_LEDGER_TOOLS_WORKLOAD_WORKLOAD_H_

#include "tools/workload/choices.h"
#include "tools/workload/command_builders.h"
#include "tools/workload/command_generator.h"
#include "tools/workload/command_json.h"
#include "tools/workload/customer_simulation.h"
#include "tools/workload/platform_day.h"

#endif  // CREDIT_LEDGER_TOOLS_WORKLOAD_WORKLOAD_H_
