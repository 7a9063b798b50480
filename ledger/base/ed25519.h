// Ed25519 signatures through OpenSSL's EVP_PKEY interface, with keys in the
// PEM files `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout`
// write. Used to sign the log's digest (ledger/signed_digest.h).
#ifndef CREDIT_LEDGER_LEDGER_BASE_ED25519_H_
#define CREDIT_LEDGER_LEDGER_BASE_ED25519_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ledger {

inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;

struct Ed25519Signature {
  std::string signature;   // 64 bytes
  std::string public_key;  // the signer's raw 32-byte public key
};

// Signs `message` (Ed25519 signs the message itself, no pre-hash) with the
// private key in `private_pem` (PKCS#8 "PRIVATE KEY"). InvalidArgument when
// the text is not a PEM private key or the key is not Ed25519.
[[nodiscard]] absl::StatusOr<Ed25519Signature> SignEd25519(
    std::string_view private_pem, std::string_view message);

// The raw 32-byte public key of `pem`: a PEM public key ("PUBLIC KEY"), or
// a PEM private key, whose public half is taken. InvalidArgument for any
// other text or another algorithm.
[[nodiscard]] absl::StatusOr<std::string> Ed25519PublicKey(std::string_view pem);

// Whether `signature` is a valid Ed25519 signature of `message` under the
// raw 32-byte `public_key`. False for a key or signature of the wrong size.
bool VerifyEd25519(std::string_view public_key, std::string_view message,
                   std::string_view signature);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_BASE_ED25519_H_
