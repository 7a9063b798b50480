#include "ledger/rules/judging_time.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/rules/command_validation.h"
#include "ledger/rules/rules.h"
#include "ledger/time_util.h"

namespace ledger::rules {
namespace {

// Whose last time a command is compared with, for messages.
std::string LastWhat(const v1::Command& command) {
  if (command.has_set_policy()) return "the last accepted set_policy";
  return absl::StrCat("customer ", command.customer(), "'s last accepted command");
}

// A command without `at`: the writer's clock, raised to the last time so a
// stamped command never goes back in time. Its expires_at, period_end and
// credits_expire_at must then come after that time (step 1's time checks,
// made here because only now is the time known: after the key check, so a
// retry is a duplicate even when its expiry has passed since).
JudgingTime Stamp(const v1::Command& command, int64_t last_us,
                  int64_t received_at_us) {
  JudgingTime t;
  if (received_at_us < kMinTimeUs) {
    t.verdict = Reject(v1::INVALID_COMMAND,
                       "at is required: this command came without the "
                       "writer's clock to stamp it with");
    return t;
  }
  t.at_us = std::max(std::min(received_at_us, kMaxTimeUs), last_us);
  t.chosen = true;
  if (absl::Status later = CheckTimesAfterStamp(command, t.at_us); !later.ok()) {
    t.verdict = Reject(v1::INVALID_COMMAND,
                       absl::StrCat(later.message(), " (the time the ledger "
                                    "stamped the command with)"));
    return t;
  }
  t.verdict = Accept();
  return t;
}

}  // namespace

JudgingTime DecideJudgingTime(const v1::Command& command,
                              const CustomerState* customer,
                              const LedgerState& state, int64_t received_at_us) {
  const bool is_policy = command.has_set_policy();
  // A customer the command creates has no last time; the policies' last
  // time bounds only set_policy.
  const int64_t last_us = is_policy           ? state.policies.last_set_at_us()
                          : customer != nullptr ? customer->header.last_at_us()
                                                : kMinTimeUs;
  if (!command.has_at()) return Stamp(command, last_us, received_at_us);

  absl::StatusOr<int64_t> sent = ParseTimeUs(command.at());
  LEDGER_CHECK(sent.ok()) << "DecideJudgingTime needs a validated command; at: "
                          << sent.status();
  JudgingTime t;
  t.verdict = Accept();
  if (*sent >= last_us) {
    t.at_us = *sent;
    return t;
  }
  // The tolerance of the policy in force at the last time, so a set_policy
  // changes it only from its own `at` on; set_policy itself has none.
  const int64_t tolerance_us =
      is_policy ? 0
                : state.policies.InForceAt(last_us).clock_skew_seconds() *
                      kMicrosPerSecond;
  if (last_us - *sent <= tolerance_us) {
    t.at_us = last_us;
    t.chosen = true;
    return t;
  }
  std::string tolerance =
      tolerance_us == 0
          ? ""
          : absl::StrCat(" by more than the policy's clock skew tolerance of ",
                         tolerance_us / kMicrosPerSecond, "s");
  t.verdict = Reject(v1::TIME_WENT_BACKWARDS,
                     absl::StrCat("at ", FormatTimeUs(*sent), " is earlier than ",
                                  FormatTimeUs(last_us), ", the time of ",
                                  LastWhat(command), tolerance));
  return t;
}

}  // namespace ledger::rules
