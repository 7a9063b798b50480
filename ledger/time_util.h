// Times at the edges are RFC 3339 strings; inside they are int64
// microseconds since the Unix epoch (UTC), which is what events and
// projections store.
#ifndef CREDIT_LEDGER_LEDGER_TIME_UTIL_H_
#define CREDIT_LEDGER_LEDGER_TIME_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ledger {

// Earliest and latest instants a command may name: 1970-01-01T00:00:00Z and
// 9999-12-31T23:59:59.999999Z. Bounds keep every time and every window sum
// far from int64 overflow.
inline constexpr int64_t kMinTimeUs = 0;
inline constexpr int64_t kMaxTimeUs = 253402300799999999;
inline constexpr int64_t kMicrosPerHour = 3600LL * 1000 * 1000;
inline constexpr int64_t kMicrosPerSecond = 1000 * 1000;

// docs/contract.md section 15: the most a policy's clock_skew_seconds may be.
inline constexpr int64_t kMaxClockSkewSeconds = 3600;

// The writer's clock, when a command comes without `at`, is an input of the
// write path (the rules read no clock). This value says that none was
// given: a command without `at` is then INVALID_COMMAND (a cluster log
// message published before nodes stamped commands carries none).
inline constexpr int64_t kNoReceivedTimeUs = -1;

// Parses an RFC 3339 time ("2026-03-08T10:00:00Z", fractional seconds and
// numeric offsets allowed) into microseconds since the epoch. Fails with
// InvalidArgument on anything else, on sub-microsecond precision, or outside
// [kMinTimeUs, kMaxTimeUs].
[[nodiscard]] absl::StatusOr<int64_t> ParseTimeUs(std::string_view rfc3339);

// The canonical form: UTC, "Z", fractional seconds only when non-zero.
std::string FormatTimeUs(int64_t us);

// Whether `text` is a valid time already in the canonical form, that is
// FormatTimeUs(ParseTimeUs(text)) == text, without formatting it.
bool IsCanonicalTime(std::string_view text);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_TIME_UTIL_H_
