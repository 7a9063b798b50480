// Helpers shared by the reliability tests: JSON commands, reading back what
// a ledger holds, and a full consistency check of a closed ledger.
#ifndef CREDIT_LEDGER_TESTS_RELIABILITY_RELIABILITY_UTIL_H_
#define CREDIT_LEDGER_TESTS_RELIABILITY_RELIABILITY_UTIL_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/ledger.h"
#include "tools/workload/command_json.h"

namespace ledger::testing {

inline std::string BuyJson(const std::string& key, const std::string& customer,
                           const std::string& purchase_id, int64_t credits,
                           const std::string& at = "2026-03-08T10:00:00Z") {
  return workload::PurchaseJson({.key = key,
                                 .customer = customer,
                                 .at = at,
                                 .purchase_id = purchase_id,
                                 .credits = credits,
                                 .amount_minor = 1000});
}

inline std::string UseJson(const std::string& key, const std::string& customer,
                           const std::string& usage_id, int64_t credits,
                           const std::string& at = "2026-03-08T11:00:00Z") {
  return workload::UseJson({.key = key,
                            .customer = customer,
                            .at = at,
                            .usage_id = usage_id,
                            .category = "AI_PROCESSING",
                            .credits = credits});
}

// key -> seq of every event in the ledger's log; "" in *error on failure.
inline std::map<std::string, uint64_t> KeysInLog(const Ledger& ledger,
                                                 std::string* error) {
  std::map<std::string, uint64_t> keys;
  absl::Status s = ledger.ReadEvents(1, [&](const v1::Event& e) {
    keys.emplace(e.header().key(), e.header().seq());
    return true;
  });
  if (!s.ok()) *error = std::string(s.message());
  return keys;
}

}  // namespace ledger::testing

#endif  // CREDIT_LEDGER_TESTS_RELIABILITY_RELIABILITY_UTIL_H_
