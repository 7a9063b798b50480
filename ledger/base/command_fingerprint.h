// What KEY_REUSED compares: the fingerprint of a canonical command. Here, below
// both the rules and the storage, because the writer computes it when a
// command comes and every reader of the log derives it again from the stored
// command: the stored event and the idempotency record no longer carry it
// (docs/storage.md).
#ifndef CREDIT_LEDGER_LEDGER_BASE_COMMAND_FINGERPRINT_H_
#define CREDIT_LEDGER_LEDGER_BASE_COMMAND_FINGERPRINT_H_

#include <string>

#include "ledger/v1/command.pb.h"

namespace ledger {

// SHA-256 (32 bytes) of the deterministic serialization of a canonical
// command.
std::string CommandFingerprint(const v1::Command& canonical);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_BASE_COMMAND_FINGERPRINT_H_
