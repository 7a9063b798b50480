#include "ledger/late_events.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "ledger/audit/event_render.h"
#include "ledger/base/status_macros.h"
#include "ledger/log_reader.h"

namespace ledger {

absl::StatusOr<LateEvents> FindLateEvents(const std::string& dir,
                                          absl::Duration over) {
  if (over < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the threshold must not be negative, got ", absl::FormatDuration(over)));
  }
  LateEvents out;
  out.over_us = absl::ToInt64Microseconds(over);
  // std::map: actors come out sorted, the empty name (none recorded) first.
  std::map<std::string, ActorLateEvents> by_actor;
  RETURN_IF_ERROR(ReadLog(dir, 1, [&](const LogEvent& e) {
    ++out.events_read;
    const v1::EventHeader& h = e.event->header();
    if (h.recorded_at_us() == 0) {
      ++out.without_recorded_at;
      return absl::OkStatus();
    }
    if (h.recorded_at_us() - h.at_us() <= out.over_us) return absl::OkStatus();
    LateEvent late;
    late.seq = e.seq;
    late.key = h.key();
    late.customer = h.customer();
    late.kind = CommandKind(e.event->command());
    late.at_us = h.at_us();
    late.recorded_at_us = h.recorded_at_us();
    ActorLateEvents& group = by_actor[h.actor()];
    group.actor = h.actor();
    group.max_late_us = std::max(group.max_late_us, late.late_us());
    group.events.push_back(std::move(late));
    return absl::OkStatus();
  }));
  for (auto& [name, group] : by_actor) out.actors.push_back(std::move(group));
  return out;
}

}  // namespace ledger
