// ReadCommandJson (ledger/command_json.h): SubmitJson's parse, without the
// submit (PrepareJson in ledger_impl.cc answers the same way).
#include "ledger/command_json.h"

#include <string>

#include "ledger/rules/command_validation.h"

namespace ledger {

CommandFromJson ReadCommandJson(std::string_view json) {
  CommandFromJson out;
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
