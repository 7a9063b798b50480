#include "tools/workload/platform_day.h"

#include "ledger/base/check.h"
#include "ledger/time_util.h"

namespace ledger::workload {

int64_t DayStartUs() {
  absl::StatusOr<int64_t> us = ParseTimeUs(kDayStart);
  LEDGER_CHECK(us.ok()) << "kDayStart does not parse: " << us.status();
  return *us;
}

v1::Command NoonPolicy() {
  v1::Command cmd;
  cmd.set_key("demo:policy:2026-03-08");
  cmd.set_at("2026-03-08T12:00:00Z");
  v1::SetPolicy* p = cmd.mutable_set_policy();
  p->set_version("2026-03-08");
  p->set_refund_window_hours(12);
  p->set_inquiry_window_hours(4);
  return cmd;
}

}  // namespace ledger::workload
