// How the audit output (statement, export, tail) shows one event: its command
// as docs/contract.md section 4 JSON, its journal lines, and a sentence a
// support agent can read to a customer. Pure functions of the event, so the
// three formats of the statement and the two of the export cannot drift apart.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_EVENT_RENDER_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_EVENT_RENDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "google/protobuf/repeated_ptr_field.h"
#include "ledger/v1/event.pb.h"
#include "ledger/base/json_writer.h"

namespace ledger {

// The command as one docs/contract.md section 4 JSON object: the fields that
// are set, in field number order, numbers as JSON numbers (protobuf's own JSON
// mapping would print int64 as strings). Parsing it with
// ledger::ParseCommandJson gives the same command back.
std::string CommandJson(const v1::Command& command);
// The same, written into `w` as the next value.
void WriteCommandJson(const v1::Command& command, JsonWriter& w);
// The command's metadata as one JSON object, keys sorted, written into `w`
// as the next value.
void WriteMetadataJson(const v1::Command& command, JsonWriter& w);

// The command's kind as docs/contract.md section 4 names it ("purchase",
// "set_policy"); empty when none is set.
std::string CommandKind(const v1::Command& command);

// One sentence for the event, e.g. "Purchased 1000 credits (lot p1) for
// 19.99 USD", including what its side effects moved (holds released,
// refunds denied, credits expired or clawed back).
std::string DescribeEvent(const v1::Event& event);

// docs/contract.md section 15: the `at` the command was sent with when the
// event was judged at a later time (the customer's last time, within the
// skew tolerance); nullopt when it was judged at its own `at` or was sent
// without one (stamped by the ledger).
std::optional<int64_t> RequestedAtUs(const v1::Event& event);

// docs/contract.md section 16: the keys "actor" and "recorded_at" (RFC
// 3339) of the event, written into the open object `w`, each only when the
// event records it: events written before actors and recording times
// existed have neither, and their lines stay as they were.
void WriteIssuerJson(const v1::Event& event, JsonWriter& w);

// The same for text and csv: the actor ("" when none) and the recording
// time ("" when none).
std::string ActorText(const v1::Event& event);
std::string RecordedAtText(const v1::Event& event);

// "19.99 USD" for 1999 minor units of USD; the number of decimals is the
// currency's ISO 4217 exponent (0 for JPY, 3 for KWD, 2 otherwise).
std::string FormatMoney(int64_t amount_minor, std::string_view currency);

// The postings as a JSON array of {"account", "unit", "amount"} (amount a
// signed debit, docs/accounting.md), written into `w` as the next value.
void WritePostingsJson(
    const google::protobuf::RepeatedPtrField<v1::Posting>& postings,
    JsonWriter& w);

// docs/contract.md section 12: the keys "alerts" ([{"code", "credits",
// "state"}], credits descending then code) and "top_up" ({"request_id",
// "credits"}) of an event that moved a threshold or made a top-up request,
// each written into the open object `w` only when not empty. A consumer of
// the export (a webhook filter) tells such events by these keys alone.
void WriteFollowUpJson(const v1::Event& event, JsonWriter& w);

// "Dr CREDITS_SOLD       1000 CREDITS" / "Cr CUSTOMER_LOTS ...".
std::string FormatPosting(const v1::Posting& posting);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_EVENT_RENDER_H_
