// The checks of one stored event that need no ledger state: its position,
// the hash chain, its parse, the balance of its journal entry, that its
// header carries none of the fields the log derives, and that its command is
// valid and canonical. The checked event has those fields refilled
// (docs/storage.md). Replay runs them on checker threads ahead of the checks
// that need state.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_EVENT_CHECK_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_EVENT_CHECK_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "google/protobuf/arena.h"
#include "ledger/v1/event.pb.h"

namespace ledger {

struct CheckedEvent {
  uint64_t seq = 0;                  // the position checked (expected_seq)
  const v1::Event* event = nullptr;  // parsed, when problem is empty
  std::string_view hash;             // the stored hash, when problem is empty
  std::string problem;               // empty when every check passed
};

// Checks the stored (key, value) expected at `expected_seq`, following an
// event whose hash is `prev_hash`. The event and everything the checks build
// live on `arena`; `hash` points into `value`. Both must outlive the result.
// Needs no state, so events may be checked on any thread and in any order.
CheckedEvent CheckStoredEvent(std::string_view key, std::string_view value,
                              uint64_t expected_seq, std::string_view prev_hash,
                              google::protobuf::Arena* arena);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_EVENT_CHECK_H_
