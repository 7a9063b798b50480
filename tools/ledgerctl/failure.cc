// ledgerctl's failure lines and exit statuses (tools/ledgerctl/failure.h).
#include "tools/ledgerctl/failure.h"

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ledger/ledger.h"
#include "tools/ledgerctl/arguments.h"

namespace ledger::tools {

int ExitStatusOf(const absl::Status& status) {
  return absl::IsAborted(status) ? kExitBusy : kExitFailure;
}

std::string DefaultHint(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return "Check the path given to --db; only apply, import and demo "
             "create a ledger";
    case absl::StatusCode::kFailedPrecondition:
      return "Give --db the folder of a ledger";
    case absl::StatusCode::kAborted:
      return "Another process has the ledger open for writing: wait until "
             "it closes the ledger, or use a reading command, which runs "
             "beside it";
    case absl::StatusCode::kDataLoss:
      return "The ledger is damaged: run `ledgerctl verify` and `ledgerctl "
             "replay` on it to find the first bad event";
    case absl::StatusCode::kUnavailable:
      return "Check the disk, the folder and its permissions, then run the "
             "command again";
    default:
      return "";
  }
}

int Fail(std::string_view command, std::string_view what,
         const absl::Status& status, std::string_view hint) {
  std::string why(status.message());
  while (!why.empty() && (why.back() == '.' || why.back() == ' ')) {
    why.pop_back();
  }
  if (why.empty()) why = "unknown error";
  const std::string advice = hint.empty() ? DefaultHint(status) : std::string(hint);
  std::string line = absl::StrCat("ledgerctl ", std::string(command), ": ",
                                  std::string(what), ": ", why);
  if (!advice.empty()) {
    absl::StrAppend(&line, ". ", advice, advice.back() == '.' ? "" : ".");
  }
  line.push_back('\n');
  std::fputs(line.c_str(), stderr);
  return ExitStatusOf(status);
}

absl::Status CheckNoWriter(const std::string& dir) {
  Options options;
  options.create_if_missing = false;
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(options, dir);
  if (!ledger.ok()) return ledger.status();
  return (*ledger)->Close();
}

int FailWith(std::string_view command, std::string_view message) {
  std::fputs(absl::StrCat("ledgerctl ", std::string(command), ": ",
                          std::string(message), "\n")
                 .c_str(),
             stderr);
  return kExitFailure;
}

}  // namespace ledger::tools
