// Queries on the stored projections of a ledger, from outside the process
// that writes it: a customer's balance, the list of customers, the policy
// versions. What `ledgerctl balance`, `customers` and `policy` print; in the
// process that has the ledger open, use Ledger::GetBalance (ledger.h).
//
// Each call opens the store without writing to it and without taking its
// lock: read-only, or as a RocksDB secondary instance when another process
// has the ledger open for writing (support staff query balances while the
// platform runs). None creates `dir`. Each reads the projections as the
// writer last committed them: ReadStoredBalance and ReadStoredPolicies only
// the key ranges they need, ListStoredCustomers every customer's. Fine for
// a tool, not for a hot path.
//
// Errors, for every call: NotFound when `dir` is missing or holds no
// ledger; FailedPrecondition when it holds something that is not a ledger
// (or a ledger of another format); DataLoss when the stored projections are
// damaged; Unavailable when the file system fails.
//
//   ASSIGN_OR_RETURN(ledger::Balance b,
//                    ledger::ReadStoredBalance("/var/ledger", "c1", now_us));
#ifndef CREDIT_LEDGER_LEDGER_STORED_STATE_H_
#define CREDIT_LEDGER_LEDGER_STORED_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/balance.h"
#include "ledger/v1/types.pb.h"

namespace ledger {

// The balance of docs/contract.md section 6 of `customer` at `at_us`
// (microseconds since the epoch, UTC), as Ledger::GetBalance answers it.
// Also NotFound for an unknown customer; InvalidArgument for an at_us
// outside [kMinTimeUs, kMaxTimeUs] (time_util.h).
[[nodiscard]] absl::StatusOr<Balance> ReadStoredBalance(
    const std::string& dir, const std::string& customer, int64_t at_us);

// One line of the customer list.
struct CustomerSummary {
  std::string customer;
  v1::CustomerStatus status = v1::CUSTOMER_STATUS_UNSPECIFIED;
  int64_t available = 0;  // available credits at the time asked for
  // Of `available` (docs/contract.md section 11): the credits in
  // PROMOTIONAL lots (free, and voidable), and those in lots limited to
  // some categories.
  int64_t promotional = 0;
  int64_t scoped = 0;
};

// Every customer of the ledger with status and available credits at
// `at_us`, sorted by customer id; with `status`, only the customers in that
// status. Also InvalidArgument for an at_us out of range.
[[nodiscard]] absl::StatusOr<std::vector<CustomerSummary>> ListStoredCustomers(
    const std::string& dir, int64_t at_us,
    std::optional<v1::CustomerStatus> status = std::nullopt);

// One version of the policy.
struct PolicyVersionInfo {
  std::string version;
  int64_t refund_window_hours = 0;
  int64_t inquiry_window_hours = 0;
  // docs/contract.md section 15: the skew tolerance; 0 for the default.
  int64_t clock_skew_seconds = 0;
  int64_t effective_from_us = 0;  // kMinTimeUs for the default
  uint64_t seq = 0;  // of its set_policy event; 0 for the default
  // docs/contract.md section 16: reviews of a refund by its requester are
  // refused while it is in force; false for the default.
  bool four_eyes = false;
};

struct PolicyHistory {
  // The default first, then each version set by set_policy in the order it
  // was set (effective_from never decreases).
  std::vector<PolicyVersionInfo> versions;
  // Index in `versions` of the version in force at the time asked for.
  size_t in_force = 0;
};

// The policy versions of the ledger and the one in force at `at_us`.
[[nodiscard]] absl::StatusOr<PolicyHistory> ReadStoredPolicies(
    const std::string& dir, int64_t at_us);

// The format marker (e.g. "credit-ledger/1") of a ledger that Ledger::Open
// or any reader of this library refused because another layout than this
// build's wrote it (docs/storage.md, "Format versions"); nullopt for any
// other status. A tool tells "a ledger, of another build" from "not a
// ledger" with it: `ledgerctl demo` replaces its own demo ledger of an
// older build.
std::optional<std::string> RefusedFormatMarker(const absl::Status& status);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_STORED_STATE_H_
