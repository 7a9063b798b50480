#include "ledger/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace ledger {

std::string Sha256(std::string_view first, std::string_view second) {
  std::string digest(kHashBytes, '\0');
  unsigned int length = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, first.data(), first.size()) == 1 &&
            EVP_DigestUpdate(ctx, second.data(), second.size()) == 1 &&
            EVP_DigestFinal_ex(
                ctx, reinterpret_cast<unsigned char*>(digest.data()), &length) == 1;
  EVP_MD_CTX_free(ctx);
  // A hash that cannot be computed would break the chain: stop rather than
  // store an event without one.
  if (!ok || length != kHashBytes) std::abort();
  return digest;
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 15]);
  }
  return hex;
}

}  // namespace ledger
