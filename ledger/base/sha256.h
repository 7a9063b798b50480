// SHA-256 through OpenSSL's EVP interface (the low-level SHA256_* calls are
// deprecated in OpenSSL 3).
#ifndef CREDIT_LEDGER_LEDGER_BASE_SHA256_H_
#define CREDIT_LEDGER_LEDGER_BASE_SHA256_H_

#include <string>
#include <string_view>

namespace ledger {

inline constexpr size_t kHashBytes = 32;

// The 32-byte digest of the concatenation of `first` and `second`.
std::string Sha256(std::string_view first, std::string_view second = {});

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_BASE_SHA256_H_
