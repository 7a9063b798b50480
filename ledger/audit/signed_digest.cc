#include "ledger/signed_digest.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/base/ed25519.h"
#include "ledger/base/sha256.h"

namespace ledger {
namespace {

constexpr char kSigningPrefix[] = "credit-ledger digest v1\n";
constexpr char kAlgorithm[] = "ed25519";
constexpr size_t kKeyIdBytes = 8;

bool IsHex(std::string_view text, size_t digits) {
  if (text.size() != digits) return false;
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string Hex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

}  // namespace

std::string DigestSigningBytes(const LogDigest& digest) {
  return absl::StrCat(kSigningPrefix, FormatDigest(digest));
}

std::string Ed25519KeyId(std::string_view public_key) {
  return Sha256(public_key).substr(0, kKeyIdBytes);
}

absl::StatusOr<SignedDigest> SignDigest(const LogDigest& digest,
                                        std::string_view private_pem) {
  absl::StatusOr<Ed25519Signature> signature =
      SignEd25519(private_pem, DigestSigningBytes(digest));
  if (!signature.ok()) return signature.status();
  SignedDigest out;
  out.digest = digest;
  out.key_id = Ed25519KeyId(signature->public_key);
  out.signature = std::move(signature->signature);
  return out;
}

std::string FormatSignedDigest(const SignedDigest& digest) {
  std::string out = FormatDigest(digest.digest);
  if (digest.signed_()) {
    absl::StrAppend(&out, ":", kAlgorithm, ":", Hex(digest.key_id), ":",
                    Hex(digest.signature));
  }
  return out;
}

absl::StatusOr<SignedDigest> ParseSignedDigest(std::string_view text) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(text.data(), text.size()), ':');
  SignedDigest out;
  if (parts.size() != 2 && parts.size() != 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a digest is SEQ:HASH, or SEQ:HASH:ed25519:KEYID:SIGNATURE when "
        "signed (`ledgerctl digest --sign`), not '", std::string(text), "'"));
  }
  absl::StatusOr<LogDigest> digest = ParseDigest(
      std::string_view(text.data(), parts[0].size() + 1 + parts[1].size()));
  if (!digest.ok()) return digest.status();
  out.digest = *std::move(digest);
  if (parts.size() == 2) return out;
  if (parts[2] != kAlgorithm) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the digest's signature algorithm must be '", kAlgorithm, "', not '",
        std::string(parts[2]), "'"));
  }
  if (!IsHex(std::string_view(parts[3].data(), parts[3].size()), 2 * kKeyIdBytes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the digest's KEYID must be ", 2 * kKeyIdBytes, " hex digits, not '",
        std::string(parts[3]), "'"));
  }
  if (!IsHex(std::string_view(parts[4].data(), parts[4].size()),
             2 * kEd25519SignatureBytes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the digest's SIGNATURE must be ", 2 * kEd25519SignatureBytes,
        " hex digits (", parts[4].size(), " given): was it cut when copied?"));
  }
  out.key_id = absl::HexStringToBytes(parts[3]);
  out.signature = absl::HexStringToBytes(parts[4]);
  return out;
}

absl::Status CheckDigestSignature(const SignedDigest& digest,
                                  std::string_view public_pem) {
  absl::StatusOr<std::string> key = Ed25519PublicKey(public_pem);
  if (!key.ok()) return key.status();
  if (!digest.signed_()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the digest ", FormatDigest(digest.digest),
        " carries no signature: sign it with `ledgerctl digest --sign KEY.pem`"));
  }
  const std::string key_id = Ed25519KeyId(*key);
  if (digest.key_id != key_id) {
    return absl::PermissionDeniedError(absl::StrCat(
        "wrong key: the digest was signed by key ", Hex(digest.key_id),
        ", not by the given public key (key ", Hex(key_id),
        "); check that --pubkey is the platform's published key"));
  }
  if (!VerifyEd25519(*key, DigestSigningBytes(digest.digest), digest.signature)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "bad signature: under key ", Hex(key_id),
        " the signature does not match the digest ", FormatDigest(digest.digest),
        ": the digest or its signature was changed after it was signed"));
  }
  return absl::OkStatus();
}

}  // namespace ledger
