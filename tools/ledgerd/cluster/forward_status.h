// How a forwarded request's outcome travels (docs/cluster.md, "The
// design"): the hosting node answers with its status in two headers,
// and the forwarding node turns a request that never got an answer into
// what its client should do. Pure, so tests/cluster/forward_status_tests.cc
// pins each case without a NATS server.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_FORWARD_STATUS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_FORWARD_STATUS_H_

#include <string>

#include <nats/nats.h>

#include "absl/status/status.h"

namespace ledger::cluster {

// The headers of a hosting node's answer that carry its status.
inline constexpr char kCodeHeader[] = "Ledger-Code";
inline constexpr char kMessageHeader[] = "Ledger-Message";

// A status as the values of kCodeHeader and kMessageHeader (the message is
// empty, and left out of the answer, for OK).
struct AnswerHeaders {
  std::string code;
  std::string message;
};
AnswerHeaders ToAnswerHeaders(const absl::Status& status);

// The hosting node's status read back from its answer's headers: its code
// and message as they were, so the client hears what the hosting node
// decided (a KEY_REUSED stays a rejection, a full disk stays Unavailable).
// An answer without a readable code is taken as OK, as nodes have always
// read it.
absl::Status FromAnswerHeaders(const std::string& code,
                               const std::string& message);

// What the forwarding node answers when the request to a node hosting
// `partition` failed at the NATS level (`s` is not NATS_OK): Unavailable in
// every case, since the client can retry, with a message that says whether
// no node hosts the partition now or the node did not answer in time (the
// request may have been applied: retry with the same keys).
absl::Status ForwardFailed(int partition, natsStatus s);

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_FORWARD_STATUS_H_
