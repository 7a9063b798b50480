// docs/contract.md section 5 step 1 (INVALID_COMMAND): the checks that need
// nothing but the command itself, and the canonical form that idempotency
// compares.
#ifndef CREDIT_LEDGER_LEDGER_RULES_COMMAND_VALIDATION_H_
#define CREDIT_LEDGER_LEDGER_RULES_COMMAND_VALIDATION_H_

#include <string>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
// CommandFingerprint, computed of the command this file canonicalizes.
#include "ledger/base/command_fingerprint.h"
#include "ledger/v1/command.pb.h"

namespace ledger {

// Parses one JSON object of docs/contract.md section 4 (protobuf's JSON
// mapping, proto field names, unknown fields rejected). InvalidArgument with a
// message on failure.
[[nodiscard]] absl::StatusOr<v1::Command> ParseCommandJson(
    std::string_view json);

// Best effort to read the "key" of input that is not a valid command, so a
// rejection can still name it. Empty when there is none to read.
std::optional<std::string> ReadKeyLeniently(std::string_view json);

// Checks every rule of docs/contract.md section 5 step 1 (required and
// forbidden fields, exactly one kind, id and text formats, ranges, enum names,
// times, and expires_at / period_end / credits_expire_at later than `at`), then
// rewrites every time into its canonical form (FormatTimeUs) so that equal
// values compare equal. InvalidArgument with a message a person can act on.
// A command without `at` is valid (the ledger stamps it, docs/contract.md
// section 15); its times that must be later than `at` are then checked by
// CheckTimesAfterStamp once the stamp is known.
[[nodiscard]] absl::Status ValidateAndCanonicalize(v1::Command& command);
// The same, saying whether the canonical form differs from what came:
// `*rewritten` is false only when no field of `command` was rewritten (it
// may be true of a rewrite that gave the same bytes). Replay's check that
// a stored command is canonical already needs no copy to compare with.
[[nodiscard]] absl::Status ValidateAndCanonicalize(v1::Command& command,
                                                   bool* rewritten);

// For a command without `at`, REQUIRES ValidateAndCanonicalize succeeded:
// the step 1 checks that compare expires_at, period_end or
// credits_expire_at with `at`, against the time `at_us` the ledger stamped
// the command with. InvalidArgument as ValidateAndCanonicalize.
[[nodiscard]] absl::Status CheckTimesAfterStamp(const v1::Command& command,
                                                int64_t at_us);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_RULES_COMMAND_VALIDATION_H_
