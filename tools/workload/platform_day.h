// The simulated platform day every customer of the workload lives through:
// its date, its clock units and the policy change at noon.
#ifndef CREDIT_LEDGER_TOOLS_WORKLOAD_PLATFORM_DAY_H_
#define CREDIT_LEDGER_TOOLS_WORKLOAD_PLATFORM_DAY_H_

#include <cstdint>

#include "ledger/v1/command.pb.h"

namespace ledger::workload {

inline constexpr int64_t kMinuteUs = 60LL * 1000 * 1000;
inline constexpr int64_t kHourUs = 60 * kMinuteUs;
inline constexpr int64_t kDayUs = 24 * kHourUs;
inline constexpr char kDayStart[] = "2026-03-08T00:00:00Z";

// kDayStart in microseconds since the epoch.
int64_t DayStartUs();

// The `set_policy` that tightens the refund and inquiry windows at noon.
// Submit it before any customer's command: it is dated noon, and a policy
// must be known before the commands it governs are judged.
v1::Command NoonPolicy();

}  // namespace ledger::workload

#endif  // CREDIT_LEDGER_TOOLS_WORKLOAD_PLATFORM_DAY_H_
