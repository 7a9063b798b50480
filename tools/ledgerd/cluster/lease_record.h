// The value of a partition's webhook lease in the JetStream KV bucket
// LEDGER_WEBHOOKS (docs/cluster.md, "Webhooks"): which node sends the
// partition's events, and how far each endpoint got. One value, so one
// compare-and-set both proves the lease is still held and moves a cursor.
// Text, one fact a line, so an operator can read it with `nats kv get`:
//   holder NODE            (the line is "holder" alone when released)
//   cursor ENDPOINT SEQ    (one per endpoint, sorted by name)
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_LEASE_RECORD_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_LEASE_RECORD_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ledger::cluster {

struct LeaseRecord {
  std::string holder;  // a --node name; empty when released
  std::map<std::string, uint64_t> cursors;
  bool operator==(const LeaseRecord&) const = default;
};

std::string EncodeLeaseRecord(const LeaseRecord& record);
// InvalidArgument for text EncodeLeaseRecord does not write.
absl::StatusOr<LeaseRecord> DecodeLeaseRecord(std::string_view text);

}  // namespace ledger::cluster

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CLUSTER_LEASE_RECORD_H_
