#include "tools/ledgerd/cluster/forward_status.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/ledgerd/cluster/nats_log.h"

namespace ledger::cluster {

AnswerHeaders ToAnswerHeaders(const absl::Status& status) {
  AnswerHeaders headers;
  headers.code = absl::StrCat(static_cast<int>(status.code()));
  if (!status.ok()) headers.message = std::string(status.message());
  return headers;
}

absl::Status FromAnswerHeaders(const std::string& code,
                               const std::string& message) {
  int value = 0;
  (void)absl::SimpleAtoi(code, &value);
  if (value == 0) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(value), message);
}

absl::Status ForwardFailed(int partition, natsStatus s) {
  if (s == NATS_NO_RESPONDERS) {
    return absl::UnavailableError(absl::StrCat(
        "no node hosting partition ", partition, " is reachable: retry later"));
  }
  if (s == NATS_TIMEOUT) {
    return absl::UnavailableError(absl::StrCat(
        "the node hosting partition ", partition,
        " did not answer in time: retry with the same keys"));
  }
  return FromNats(s, "forwarding to a hosting node");
}

}  // namespace ledger::cluster
