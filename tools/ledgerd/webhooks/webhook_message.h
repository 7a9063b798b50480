// What one webhook POST carries (docs/webhooks.md): which events an
// endpoint wants, the event's id, and the Standard Webhooks signature.
// Pure functions, so the receiver's side can be checked against them.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_WEBHOOK_MESSAGE_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_WEBHOOK_MESSAGE_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace ledger::ledgerd {

// Whether an endpoint that asked for `kinds` (WebhookEndpoint::kinds; empty:
// everything) wants the event whose export JSON object is `export_json`
// (ExportEvent, ledger/export.h): its `kind` member is one of `kinds`, or
// `kinds` has "alerts" and the object a non-empty `alerts` list, or
// "top_up" and the object a `top_up` member. An object that does not parse
// is wanted (sent, never silently dropped).
bool WantsEvent(const std::set<std::string>& kinds,
                std::string_view export_json);

// `webhook-id` of an event: "evt_" and the hex of its chained hash. Unique
// per event of one ledger (the chain makes each hash depend on every event
// before it), the same on every retry and after a restart.
std::string WebhookId(std::string_view event_hash);

// `webhook-id` of an event of partition `partition` in a cluster:
// "evt_p<N>_" and the hex of its chained hash. Every replica of the
// partition holds the same events with the same hashes, so each node sends
// an event with the same id; the partition is part of it because the same
// bytes can open two partitions' chains (a set_policy sent to every
// partition), and those are two events.
std::string PartitionWebhookId(int partition, std::string_view event_hash);

// `webhook-signature`: "v1," + base64 of HMAC-SHA256(key, id "." timestamp
// "." body), Standard Webhooks' scheme.
std::string WebhookSignature(std::string_view key, std::string_view id,
                             int64_t timestamp_s, std::string_view body);

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_WEBHOOKS_WEBHOOK_MESSAGE_H_
