// ReadCommandJson (ledger/command_json.h): SubmitJson's parse, without the
// submit (PrepareJson in submit_calls.cc answers the same way). A line in
// the plain form is read by the strict reader (command_json_reader.h), the
// same command in a fraction of the time; every other line, and every
// answer to a line that is not a command, comes from ParseCommandJson.
#include "ledger/command_json.h"

#include <string>
#include <utility>

#include "ledger/rules/command_validation.h"
#include "ledger/write_path/command_json_reader.h"

namespace ledger {

CommandFromJson ReadCommandJson(std::string_view json) {
  CommandFromJson out;
  v1::Command plain;
  if (ReadPlainCommandJson(json, &plain)) {
    out.command = std::move(plain);
    return out;
  }
  absl::StatusOr<v1::Command> command = ParseCommandJson(json);
  if (command.ok()) {
    out.command = *std::move(command);
    return out;
  }
  out.rejected.key = ReadKeyLeniently(json);
  out.rejected.outcome = Outcome::kRejected;
  out.rejected.code = v1::INVALID_COMMAND;
  out.rejected.message = std::string(command.status().message());
  return out;
}

}  // namespace ledger
