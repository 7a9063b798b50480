// Reading the PEM key files of `digest --sign`, `verify --pubkey` and
// `import --pubkey`, with a message that names the file when it cannot be.
#ifndef CREDIT_LEDGER_TOOLS_KEY_FILE_H_
#define CREDIT_LEDGER_TOOLS_KEY_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "ledger/signed_digest.h"

namespace ledger::tools {

// The text of the key file `path`. NotFound or Unavailable naming the file
// when it cannot be read; InvalidArgument for a file far larger than any
// PEM key (16 KiB), which is not read whole.
[[nodiscard]] absl::StatusOr<std::string> ReadKeyFile(const std::string& path);

// Checks `digest`'s signature against the public key in the file
// `pubkey_path` (CheckDigestSignature); the error says which file.
[[nodiscard]] absl::Status CheckSignatureWithKeyFile(
    const SignedDigest& digest, const std::string& pubkey_path);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_KEY_FILE_H_
