// A command as one docs/contract.md section 4 JSON line, for the tests and
// tools that submit JSON (SubmitJson, `ledgerctl apply`) rather than
// v1::Command.
#ifndef CREDIT_LEDGER_TOOLS_WORKLOAD_COMMAND_JSON_H_
#define CREDIT_LEDGER_TOOLS_WORKLOAD_COMMAND_JSON_H_

#include <string>

#include "ledger/v1/command.pb.h"
#include "tools/workload/command_builders.h"

namespace ledger::workload {

// The command as compact JSON: "key", "customer" (when set), "at" (when
// set), "metadata" (when any, by key), then the kind's object with its
// fields in the schema's order, each only when set, numbers as JSON
// numbers, repeated fields as arrays. So
//   {"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":
//    {"purchase_id":"p1","credits":100,"amount_minor":1000,"currency":"USD"}}
// (one line). Tests compare against these bytes, so keep the order. Every
// kind (the generator of command_generator.h makes them all).
std::string CommandJson(const v1::Command& command);

// CommandJson(Purchase(args)) and CommandJson(Use(args)).
std::string PurchaseJson(const PurchaseArgs& args);
std::string UseJson(const UseArgs& args);

}  // namespace ledger::workload

#endif  // CREDIT_LEDGER_TOOLS_WORKLOAD_COMMAND_JSON_H_
