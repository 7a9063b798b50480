// The state folded from the log: every customer's header, lots, holds,
// usages and refunds, and the policy versions. projections/apply.cc is the
// only code that changes it; ledger/rules/decide.cc only reads it.
#ifndef CREDIT_LEDGER_PROJECTIONS_LEDGER_STATE_H_
#define CREDIT_LEDGER_PROJECTIONS_LEDGER_STATE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "ledger/v1/state.pb.h"

namespace ledger {

struct CustomerState {
  v1::CustomerHeader header;
  // Every lot ever granted, in grant order: lots[i].grant_index() == i.
  std::vector<v1::LotState> lots;
  absl::flat_hash_map<std::string, uint32_t> lot_index;  // lot_id -> index
  absl::flat_hash_map<std::string, v1::HoldState> holds;
  absl::flat_hash_map<std::string, v1::UsageState> usages;
  absl::flat_hash_map<std::string, v1::RefundState> refunds;

  const v1::LotState* FindLot(const std::string& lot_id) const;
  v1::LotState* FindLot(const std::string& lot_id);
  const v1::HoldState* FindHold(const std::string& hold_id) const;
  const v1::UsageState* FindUsage(const std::string& usage_id) const;
  const v1::RefundState* FindRefund(const std::string& refund_id) const;

  // Sum of `remaining` over all lots, expired-but-not-swept included.
  int64_t TotalRemaining() const;
};

// The default policy of docs/contract.md section 3, in force from the
// beginning.
inline constexpr char kDefaultPolicyVersion[] = "2026-03-07";
inline constexpr int64_t kDefaultRefundWindowHours = 168;
inline constexpr int64_t kDefaultInquiryWindowHours = 168;

// Policy versions in the order they were set (their `at` never decreases).
class PolicyBook {
 public:
  PolicyBook();
  // The last version with effective_from_us <= at_us, or the default.
  const v1::PolicyState& InForceAt(int64_t at_us) const;
  // REQUIRES: policy.effective_from_us() >= that of the last one added.
  void Add(const v1::PolicyState& policy);
  // Versions added by set_policy, oldest first (the default is not among them).
  const std::vector<v1::PolicyState>& versions() const { return versions_; }
  // The `at` of the last set_policy, or kMinTimeUs when there was none.
  int64_t last_set_at_us() const;

 private:
  v1::PolicyState default_;
  std::vector<v1::PolicyState> versions_;
};

struct LedgerState {
  // node_hash_map: CustomerState addresses stay valid while others are added.
  absl::node_hash_map<std::string, CustomerState> customers;
  PolicyBook policies;
  uint64_t last_seq = 0;

  const CustomerState* FindCustomer(const std::string& id) const;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_PROJECTIONS_LEDGER_STATE_H_
