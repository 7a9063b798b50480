// The bytes of a message as they are stored and hashed. Protobuf's encoding
// is not canonical (map order, unknown fields), so everything that is hashed
// or compared byte for byte (events, idempotency fingerprints, projections)
// goes through these two functions and nothing else.
#ifndef CREDIT_LEDGER_LEDGER_BASE_DETERMINISTIC_BYTES_H_
#define CREDIT_LEDGER_LEDGER_BASE_DETERMINISTIC_BYTES_H_

#include <string>

#include "google/protobuf/message_lite.h"

namespace ledger {

// Serializes a message deterministically (stored and hashed bytes).
std::string SerializeDeterministic(const google::protobuf::MessageLite& m);
// The same into `out`, replacing what it held and keeping its capacity: for
// loops that serialize many messages (replay's comparisons).
void SerializeDeterministicTo(const google::protobuf::MessageLite& m,
                              std::string* out);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_BASE_DETERMINISTIC_BYTES_H_
