// The bounds on input every command is checked against (docs/contract.md
// sections 1, 4, 7, 8 and 12): lengths, amounts and counts. Plain
// constants in a header of their own, so the pure layers (the rules that
// enforce them) and the tools that explain them use them without
// depending on the Ledger's API; ledger.h includes it for embedders.
#ifndef CREDIT_LEDGER_LEDGER_LIMITS_H_
#define CREDIT_LEDGER_LEDGER_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace ledger {

// Bounds on input (docs/contract.md sections 1, 4 and 7).
inline constexpr size_t kMaxLineBytes = 64 * 1024;
inline constexpr size_t kMaxKeyLength = 128;
inline constexpr size_t kMaxIdLength = 64;
inline constexpr size_t kMaxTextBytes = 256;
inline constexpr int64_t kMaxCredits = 1000000000000000;       // 10^15
inline constexpr int64_t kMaxAmountMinor = 1000000000000000;   // 10^15
inline constexpr int64_t kMaxWindowHours = 87600;
inline constexpr int64_t kMaxCustomerCredits = 1000000000000000000;  // 10^18
// A command's metadata (docs/contract.md section 8).
inline constexpr size_t kMaxMetadataEntries = 16;
inline constexpr size_t kMaxMetadataKeyLength = 64;
inline constexpr size_t kMaxMetadataValueBytes = 256;
// docs/contract.md section 12: thresholds one set_alerts may hold.
inline constexpr size_t kMaxAlertThresholds = 10;

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_LIMITS_H_
