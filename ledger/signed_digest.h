// A digest of the log signed with the platform's Ed25519 key, so an auditor
// can prove a published digest came from the platform (docs/audit.md,
// "Signed digests").
//
// The bytes signed are exactly the ASCII text
//
//   "credit-ledger digest v1\n" + SEQ + ":" + HASH
//
// with SEQ in decimal without leading zeros and HASH the 64 lower-case hex
// digits of FormatDigest (no trailing line break). The prefix keeps a
// signature made for this purpose from being taken for anything else the
// same key might sign. A signed digest is written on one line as
//
//   SEQ:HASH:ed25519:KEYID:SIGNATURE
//
// KEYID being the first 8 bytes of SHA-256 of the signer's raw 32-byte
// public key, in 16 hex digits, and SIGNATURE the 64-byte Ed25519
// signature in 128 hex digits. KEYID is not signed and proves nothing: it
// only lets a failure say "another key signed this" rather than "the
// signature is bad"; the signature is always checked with the key given.
//
//   ASSIGN_OR_RETURN(ledger::SignedDigest s, ledger::SignDigest(head, pem));
//   publish(ledger::FormatSignedDigest(s));
//   ...
//   ASSIGN_OR_RETURN(ledger::SignedDigest d, ledger::ParseSignedDigest(text));
//   RETURN_IF_ERROR(ledger::CheckDigestSignature(d, public_pem));
#ifndef CREDIT_LEDGER_LEDGER_SIGNED_DIGEST_H_
#define CREDIT_LEDGER_LEDGER_SIGNED_DIGEST_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/verify.h"

namespace ledger {

struct SignedDigest {
  LogDigest digest;
  // Both empty for a digest given without a signature (SEQ:HASH).
  std::string key_id;     // 8 bytes
  std::string signature;  // 64 bytes
  bool signed_() const { return !signature.empty(); }
};

// The exact bytes Ed25519 signs for `digest` (see above).
std::string DigestSigningBytes(const LogDigest& digest);

// The key id of a raw 32-byte Ed25519 public key: SHA-256's first 8 bytes.
std::string Ed25519KeyId(std::string_view public_key);

// Signs `digest` with the Ed25519 private key in `private_pem`.
// InvalidArgument when `private_pem` is not an Ed25519 PEM private key.
[[nodiscard]] absl::StatusOr<SignedDigest> SignDigest(const LogDigest& digest,
                                                      std::string_view private_pem);

// "SEQ:HASH:ed25519:KEYID:SIGNATURE", or FormatDigest's "SEQ:HASH" when
// unsigned.
std::string FormatSignedDigest(const SignedDigest& digest);

// Parses either form (hex in either case); InvalidArgument saying what is
// wrong for anything else.
[[nodiscard]] absl::StatusOr<SignedDigest> ParseSignedDigest(std::string_view text);

// OK when `digest` carries a signature that the Ed25519 public key in
// `public_pem` (a PEM public key, or a private key whose public half is
// taken) verifies over DigestSigningBytes. Otherwise PermissionDenied,
// saying which: the digest carries no signature; it was signed by another
// key (its KEYID is not this key's); or, under this key's id, the signature
// does not match the digest (the digest or the signature was changed after
// signing). InvalidArgument when `public_pem` is not an Ed25519 key.
[[nodiscard]] absl::Status CheckDigestSignature(const SignedDigest& digest,
                                                std::string_view public_pem);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_SIGNED_DIGEST_H_
