// The checks of one stored event that need no ledger state: its position,
// the hash chain, its parse, the balance of its journal entry, and that its
// command is valid, canonical and the one its header names. Replay runs
// them on a reader thread ahead of the checks that need state.
#ifndef CREDIT_LEDGER_LEDGER_EVENT_CHECK_H_
#define CREDIT_LEDGER_LEDGER_EVENT_CHECK_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/v1/event.pb.h"

namespace ledger {

struct CheckedEvent {
  uint64_t seq = 0;       // the position checked (expected_seq)
  v1::Event event;        // parsed, when problem is empty
  std::string hash;       // the stored hash, when problem is empty
  std::string problem;    // empty when every check passed
};

// Checks the stored (key, value) expected at `expected_seq`, following an
// event whose hash is `prev_hash`.
CheckedEvent CheckStoredEvent(std::string_view key, std::string_view value,
                              uint64_t expected_seq,
                              const std::string& prev_hash);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_EVENT_CHECK_H_
