#include "tools/ledgerctl/key_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace ledger::tools {

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  constexpr size_t kMaxKeyBytes = 16 << 10;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const std::string why = std::strerror(errno);
    return errno == ENOENT
               ? absl::NotFoundError(absl::StrCat("no key file ", path))
               : absl::UnavailableError(
                     absl::StrCat("cannot read the key file ", path, ": ", why));
  }
  std::string text(kMaxKeyBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " is larger than ", kMaxKeyBytes, " bytes: not a PEM key file"));
  }
  return text;
}

absl::Status CheckSignatureWithKeyFile(const SignedDigest& digest,
                                       const std::string& pubkey_path) {
  absl::StatusOr<std::string> pem = ReadKeyFile(pubkey_path);
  if (!pem.ok()) return pem.status();
  absl::Status checked = CheckDigestSignature(digest, *pem);
  if (absl::IsInvalidArgument(checked)) {
    return absl::InvalidArgumentError(
        absl::StrCat(pubkey_path, ": ", checked.message()));
  }
  return checked;
}

}  // namespace ledger::tools
