// Reading one command of docs/contract.md section 4 from its JSON exactly as
// Ledger::SubmitJson reads it, for a driver that must look at the command
// before it submits it (a service that records each caller as the actor
// with SubmitBatchAs, checks `at` at its edge, or routes the command to a
// cluster partition): the same parser, the same INVALID_COMMAND answer.
#ifndef CREDIT_LEDGER_LEDGER_COMMAND_JSON_H_
#define CREDIT_LEDGER_LEDGER_COMMAND_JSON_H_

#include <optional>
#include <string_view>

#include "ledger/ledger.h"
#include "ledger/v1/command.pb.h"

namespace ledger {

struct CommandFromJson {
  // The command, when `json` is one (it may still be invalid: the ledger
  // judges it, check 1 included, when it is submitted).
  std::optional<v1::Command> command;
  // Otherwise the answer SubmitJson gives it: kRejected INVALID_COMMAND,
  // with `key` when one could be read.
  SubmitResult rejected;
};

CommandFromJson ReadCommandJson(std::string_view json);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_COMMAND_JSON_H_
