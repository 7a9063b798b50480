// Small builders of single commands (docs/contract.md section 4) as
// v1::Command, for the benchmarks, the tests and the simulator: a purchase and
// a use with the fields callers vary, the others fixed to values any ledger
// accepts.
//
//   v1::Command c = workload::Purchase({.key = "k1", .customer = "c1",
//                                       .at = "2026-03-08T10:00:00Z",
//                                       .purchase_id = "p1", .credits = 100});
//   std::string line = workload::CommandJson(c);  // command_json.h
#ifndef CREDIT_LEDGER_TOOLS_WORKLOAD_COMMAND_BUILDERS_H_
#define CREDIT_LEDGER_TOOLS_WORKLOAD_COMMAND_BUILDERS_H_

#include <cstdint>
#include <string>

#include "ledger/v1/command.pb.h"

namespace ledger::workload {

// A purchase of `credits` for `amount_minor` in `currency`; no expiry when
// `expires_at` is empty.
struct PurchaseArgs {
  std::string key{};
  std::string customer{};
  std::string at{};
  std::string purchase_id{};
  int64_t credits = 0;
  int64_t amount_minor = 1000;
  std::string currency = "USD";
  std::string expires_at{};
};
v1::Command Purchase(const PurchaseArgs& args);

// A use of `credits` in `category`; provider and campaign only when given.
struct UseArgs {
  std::string key{};
  std::string customer{};
  std::string at{};
  std::string usage_id{};
  std::string category = "AI_PROCESSING";
  int64_t credits = 0;
  std::string provider{};
  std::string campaign_id{};
};
v1::Command Use(const UseArgs& args);

}  // namespace ledger::workload

#endif  // CREDIT_LEDGER_TOOLS_WORKLOAD_COMMAND_BUILDERS_H_
