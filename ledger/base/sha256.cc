#include "ledger/base/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace ledger {
namespace {

// Fetching the algorithm and allocating a context cost more than hashing a
// 300-byte event, so each thread keeps one of each for its lifetime.
class Sha256Context {
 public:
  Sha256Context()
      : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {}
  ~Sha256Context() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  Sha256Context(const Sha256Context&) = delete;
  Sha256Context& operator=(const Sha256Context&) = delete;

  std::string Digest(std::string_view first, std::string_view second) {
    std::string digest(kHashBytes, '\0');
    unsigned int length = 0;
    bool ok = md_ != nullptr && ctx_ != nullptr &&
              EVP_DigestInit_ex(ctx_, md_, nullptr) == 1 &&
              EVP_DigestUpdate(ctx_, first.data(), first.size()) == 1 &&
              EVP_DigestUpdate(ctx_, second.data(), second.size()) == 1 &&
              EVP_DigestFinal_ex(
                  ctx_, reinterpret_cast<unsigned char*>(digest.data()),
                  &length) == 1;
    // A hash that cannot be computed would break the chain: stop rather than
    // store an event without one.
    if (!ok || length != kHashBytes) std::abort();
    return digest;
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

}  // namespace

std::string Sha256(std::string_view first, std::string_view second) {
  thread_local Sha256Context context;
  return context.Digest(first, second);
}

}  // namespace ledger
