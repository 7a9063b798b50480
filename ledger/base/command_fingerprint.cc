#include "ledger/base/command_fingerprint.h"

#include "ledger/base/deterministic_bytes.h"
#include "ledger/base/sha256.h"

namespace ledger {

std::string CommandFingerprint(const v1::Command& canonical) {
  return Sha256(SerializeDeterministic(canonical));
}

}  // namespace ledger
