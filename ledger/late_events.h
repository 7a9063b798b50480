// docs/contract.md section 16, `ledgerctl audit-times`: the events written
// late, whose `at` lies more than a set duration before their recorded_at
// (the writer's clock when it accepted them), grouped per actor. A command
// is dated by its caller; a large gap between that date and the recording
// time is where backdating shows (a refund requested "before" its window
// closed). Events written before recording times existed have none and are
// counted apart.
//
//   ASSIGN_OR_RETURN(ledger::LateEvents late,
//                    ledger::FindLateEvents("/var/ledger", absl::Hours(1)));
#ifndef CREDIT_LEDGER_LEDGER_LATE_EVENTS_H_
#define CREDIT_LEDGER_LEDGER_LATE_EVENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ledger {

struct LateEvent {
  uint64_t seq = 0;
  std::string key;
  std::string customer;  // empty for set_policy
  std::string kind;      // "request_refund"
  int64_t at_us = 0;
  int64_t recorded_at_us = 0;
  int64_t late_us() const { return recorded_at_us - at_us; }
};

// The late events of one actor, in log order.
struct ActorLateEvents {
  std::string actor;  // empty: events that record no actor
  std::vector<LateEvent> events;
  int64_t max_late_us = 0;  // the largest late_us among them
};

struct LateEvents {
  int64_t over_us = 0;                 // the threshold asked for
  uint64_t events_read = 0;            // every event of the log
  uint64_t without_recorded_at = 0;    // written before recording times
  std::vector<ActorLateEvents> actors;  // by actor name (the empty one first)
};

// Reads the log of the ledger in `dir` (read-only, beside a live writer)
// and returns the events whose recorded_at - at exceeds `over`.
// InvalidArgument for a negative `over`; errors of ReadLog (log_reader.h)
// otherwise.
[[nodiscard]] absl::StatusOr<LateEvents> FindLateEvents(const std::string& dir,
                                                        absl::Duration over);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_LATE_EVENTS_H_
