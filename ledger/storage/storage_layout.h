// The RocksDB key families and value layouts (docs/storage.md). Both the
// writer and replay encode projections through these functions, so what
// replay rebuilds is compared byte for byte with what was stored.
#ifndef CREDIT_LEDGER_LEDGER_STORAGE_STORAGE_LAYOUT_H_
#define CREDIT_LEDGER_LEDGER_STORAGE_STORAGE_LAYOUT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "ledger/base/deterministic_bytes.h"
#include "ledger/v1/event.pb.h"
#include "projections/apply.h"
#include "projections/ledger_state.h"

namespace ledger {

// Column families.
inline constexpr char kMetaFamily[] = "default";  // format marker, head
inline constexpr char kEventsFamily[] = "events";  // seq -> hash || event
inline constexpr char kKeysFamily[] = "keys";      // idempotency key -> KeyRecord
inline constexpr char kStateFamily[] = "state";    // projections
// The refusal journal (docs/storage.md, "The refusal journal"): rejected
// commands, key EncodeRejectionKey, value a v1::RejectionRecord, and
// their per-customer index (RejectionIndexKey below). Not a fact
// of the ledger: no event names it, the hash chain and the head do not
// cover it, and replay, verify and export never read it. Created by the
// first writable open of a ledger made before it existed; a reader of such
// a ledger finds none (Store::rejections() is null).
inline constexpr char kRejectionsFamily[] = "rejections";
// The pending-refund queue (docs/storage.md, "The pending-refund queue"):
// one entry per refund in REFUND_PENDING, key PendingRefundKey (request time,
// customer, refund id: oldest first), value the refunded lot's id, written
// in the same batch as the event that moves the refund in or out; and
// kPendingRefundsBuiltKey once the queue holds every pending refund (the
// first writable open of a ledger made before the queue builds it from the
// stored refunds). A reader of a ledger no such build has opened finds no
// family (Store::pending_refunds() is null).
inline constexpr char kPendingRefundsFamily[] = "pending_refunds";
// Shorter than any entry's key (8 + 1 + 1 + 1 bytes at least).
inline constexpr std::string_view kPendingRefundsBuiltKey("built", 5);
// The customer index (docs/storage.md, "The customer index"): one entry
// per event that names a customer, key CustomerEventKey(customer, seq),
// value EncodeCustomerEventValue(at_us), written in the event's own batch;
// and, under kCustomerIndexStatusKey (no customer key starts with \0), how
// far it reaches: EncodeCustomerIndexStatus. Defined in customer_index.cc.
inline constexpr char kCustomerEventsFamily[] = "customer_events";
inline constexpr std::string_view kCustomerIndexStatusKey("\0status", 7);
std::string CustomerEventKey(std::string_view customer, uint64_t seq);
std::string CustomerEventPrefix(std::string_view customer);
std::string EncodeCustomerEventValue(int64_t at_us);
// (customer, seq) of an index key; DataLoss unless customer \0 seq(8).
[[nodiscard]] absl::StatusOr<std::pair<std::string, uint64_t>>
DecodeCustomerEventKey(std::string_view key);
[[nodiscard]] absl::StatusOr<int64_t> DecodeCustomerEventValue(
    std::string_view value);
// complete: the index holds every event; otherwise it holds the events up
// to through_seq and is being built (BuildCustomerIndex).
struct CustomerIndexStatus {
  bool complete = false;
  uint64_t through_seq = 0;
};
std::string EncodeCustomerIndexStatus(const CustomerIndexStatus& status);
[[nodiscard]] absl::StatusOr<CustomerIndexStatus> DecodeCustomerIndexStatus(
    std::string_view value);

// Meta keys.
inline constexpr char kFormatKey[] = "format";
// The layout of docs/storage.md. /2 stores events without the header fields
// other stored bytes fix, and key records without the fingerprint; a /1
// ledger is refused by Store::Open with the way over (kPreviousFormatValue).
inline constexpr char kFormatValue[] = "credit-ledger/2";
inline constexpr char kPreviousFormatValue[] = "credit-ledger/1";
// The payload a refusal of another format carries (absl::Status::SetPayload):
// the stored marker, so a tool tells "a ledger of another build" from "not
// a ledger" without reading the message (RefusedFormatMarker, stored_state.h).
inline constexpr char kRefusedFormatPayloadUrl[] = "type.credit-ledger/refused-format";
inline constexpr char kHeadKey[] = "head";
// The position in an external ordered log (a cluster partition's stream
// sequence, docs/cluster.md) of the last batch applied by
// Ledger::SubmitBatchAt: 8 bytes big-endian, never 0. Absent until then.
inline constexpr char kAppliedPositionKey[] = "applied_position";
// Delivery cursors (Ledger::SetDeliveryCursor; ledgerd --webhooks,
// docs/webhooks.md): under this prefix + the consumer's name, the seq of the
// last event that consumer has handled, 8 bytes big-endian. Not a fact of
// the ledger: no event names it, the hash chain and the head do not cover
// it, and it is written in a batch of its own.
inline constexpr char kDeliveryCursorPrefix[] = "delivery_cursor/";

// The stored head: the last event's seq and hash. The writer stores it and
// replay compares these bytes with the stored ones, so both build it here.
std::string EncodeHead(uint64_t seq, std::string_view hash);

// The stored applied position, and its decoding (DataLoss unless 8 bytes
// that are not 0).
std::string EncodeAppliedPosition(uint64_t position);
[[nodiscard]] absl::StatusOr<uint64_t> DecodeAppliedPosition(
    std::string_view value);

// A refusal's key: its recording time (microseconds since the epoch, a
// negative one as 0) then a counter, each 8 bytes big-endian, so the
// journal is in recording order and a retention cut is one key range.
std::string EncodeRejectionKey(int64_t recorded_at_us, uint64_t counter);
// The counter of a refusal's key; DataLoss unless 16 bytes.
[[nodiscard]] absl::StatusOr<uint64_t> RejectionKeyCounter(std::string_view key);

// The refusal journal's per-customer index, in the journal's own family
// (docs/storage.md, "The refusal journal"): for each refusal with a
// customer, a second, empty entry RejectionIndexKey(customer, its key),
// put in the same batch as the refusal and deleted by the same retention
// sweep, so one customer's refusals are one key range. Refusal keys begin
// with a 0 byte (a recording time below 2^56 us, past the year 4000), the
// index's with 0xFF, and kRejectionIndexBuiltKey (0xFE), between them,
// says the index holds every refusal (the first writable open of a journal
// made before it builds it); without it readers scan the journal.
inline constexpr char kRejectionIndexBuiltKey[] = "\xFE";
// 0xFF, the customer's length (4 bytes big-endian), the customer, then the
// refusal's 16-byte key.
std::string RejectionIndexPrefix(std::string_view customer);
std::string RejectionIndexKey(std::string_view customer,
                              std::string_view rejection_key);
// The refusal key an index key ends with; DataLoss when it is not one.
[[nodiscard]] absl::StatusOr<std::string> RejectionKeyOfIndexKey(
    std::string_view index_key);

// The stored delivery cursor, and its decoding (DataLoss unless 8 bytes).
std::string EncodeDeliveryCursor(uint64_t seq);
[[nodiscard]] absl::StatusOr<uint64_t> DecodeDeliveryCursor(
    std::string_view value);

// The stored idempotency record of event `seq`. It holds no fingerprint:
// KEY_REUSED reads it from the event at `seq` when a key comes again (the
// rare path), rather than every command storing 34 more bytes. The writer
// stores it and replay compares these bytes with the stored ones, so both
// build it here.
std::string EncodeKeyRecord(uint64_t seq);

// Events: 8-byte big-endian sequence number, so keys sort in log order.
std::string EventKey(uint64_t seq);
[[nodiscard]] absl::StatusOr<uint64_t> DecodeEventKey(std::string_view key);

// The header fields an event's stored bytes leave out, because other
// stored bytes already fix them: `key` and `customer` (the command's),
// `prev_hash` (the stored hash of the event before, which the chain binds:
// hash n = SHA-256(hash n-1 || bytes n)) and `command_fingerprint` (SHA-256
// of the stored canonical command). Every reader refills them, so what it
// shows is the whole event.
//
// The bytes stored (and hashed) for `event`: its deterministic encoding
// without the derived header fields.
std::string StoredEventBytes(const v1::Event& event);
// Sets the derived header fields of `event` from its command, `prev_hash`
// and `fingerprint` (the command's CommandFingerprint).
void FillDerivedHeader(v1::Event& event, std::string_view prev_hash,
                       std::string fingerprint);
// Refills the derived header fields of an event parsed from stored bytes.
// DataLoss when the stored bytes carry any of them (this layout never
// writes them, so an event that does was not written by the ledger).
[[nodiscard]] absl::Status RestoreDerivedHeader(v1::Event& event,
                                                std::string_view prev_hash);
// Empty when the stored header carries none of the derived fields, else
// which one it carries.
std::string DerivedFieldStored(const v1::EventHeader& header);

// The event stored as (key, hash || event bytes), following an event whose
// stored hash is `prev_hash` (32 zero bytes for seq 1), with its derived
// header fields refilled. DataLoss when the value does not parse, its seq is
// not the key's or it carries a derived field: readers of the log
// (subscriptions, `ledgerctl tail`) must never hand out a damaged event.
[[nodiscard]] absl::StatusOr<v1::Event> DecodeStoredEvent(
    std::string_view key, std::string_view value, std::string_view prev_hash);

// State keys the writer reads on demand (docs/storage.md, "Memory"). A
// customer's entries sort header, lots, holds, refunds, usages, so one range
// reads what a decision needs without its (unbounded) usages.
// [CustomerStart, CustomerHoldsStart): header and lots, what a balance reads.
// [CustomerStart, CustomerUsagesStart): with holds and refunds.
std::string CustomerStart(std::string_view customer);
std::string CustomerHoldsStart(std::string_view customer);
std::string CustomerUsagesStart(std::string_view customer);
std::string CustomerHeaderKey(std::string_view customer);
std::string LotKey(std::string_view customer, std::string_view lot_id);
std::string HoldKey(std::string_view customer, std::string_view hold_id);
std::string UsageKey(std::string_view customer, std::string_view usage_id);
std::string RefundKey(std::string_view customer, std::string_view refund_id);
// [kPoliciesStart, kPoliciesEnd) holds the policy versions and nothing else:
// customer ids never start with \0 or \1.
inline constexpr std::string_view kPoliciesStart("\0", 1);
inline constexpr std::string_view kPoliciesEnd("\1", 1);

// Calls `emit(key, value)` for the stored form of each entity named in
// `touched` (or, with `touched` null, of every entity of the customer). The
// value leaves out the entity's id (the customer of a header, the lot,
// hold, usage or refund id), which its key holds; StateDecoder and
// DecodeStoredEntity set it again.
//
// The stored header also names what loading the customer reads
// (v1::CustomerHeader.entity_ids, docs/storage.md "Loading a customer"):
// every lot in grant order and the pending holds and refunds, derived here
// from `customer`, which must hold every pending hold and refund (the
// writer's cache always does). A customer with more than kListedIdsMax of
// them stores no list, so the header a command rewrites stays small.
inline constexpr size_t kListedIdsMax = 16;
using EmitFn = std::function<void(std::string key, std::string value)>;
void EncodeCustomer(const CustomerState& customer,
                    const TouchedEntities* touched, const EmitFn& emit);
// The value EncodeCustomer emits for `usage` under its UsageKey, alone: what
// an audit spilling usages one by one writes, without the header that
// EncodeCustomer encodes for every call (and the spill dropped).
std::string StoredUsage(const v1::UsageState& usage);
// The header stored under CustomerHeaderKey(`customer`) from its `value`,
// with the customer id set and entity_ids taken out (never set in memory)
// into `ids`: nullopt when the header names none (written before headers
// named them, or of a customer with more than kListedIdsMax). DataLoss when
// it does not parse.
[[nodiscard]] absl::Status DecodeStoredHeader(
    std::string_view customer, std::string_view value,
    v1::CustomerHeader& header, std::optional<v1::CustomerEntityIds>& ids);
// Whether `key` is a customer header's key.
bool IsCustomerHeaderKey(std::string_view key);
// Whether the stored header `stored` is `rebuilt` (EncodeCustomer's bytes
// for the same header) as a build before entity_ids wrote it: the same
// bytes without the list. Replay accepts that older form (the loader reads
// the customer's range for it, so it answers the same); a list that is
// there must be exactly the rebuilt one.
bool IsUnlistedFormOf(std::string_view rebuilt, std::string_view stored);
// The hold, usage or refund `id` read by its key (HoldKey, UsageKey,
// RefundKey) from its stored `value`, which leaves out the id the key holds
// (as every state value does: docs/storage.md). DataLoss when it does not
// parse.
template <typename Message>
[[nodiscard]] absl::Status DecodeStoredEntity(std::string_view id,
                                              std::string_view value,
                                              Message& entity);
// The stored form of one policy version.
void EncodePolicy(const v1::PolicyState& policy, const EmitFn& emit);
// Every projection of the state, in any order.
void EncodeState(const LedgerState& state, const EmitFn& emit);

// The first bytes of every state key of `customer`, and of every policy
// version: a reader that needs one customer (and the policies) scans only
// those key ranges (ledger/stored_state.h).
std::string CustomerStatePrefix(std::string_view customer);
std::string PolicyStatePrefix();

// The pending-refund queue's key of a refund requested at
// `requested_at_us` (>= kMinTimeUs): 8 bytes big-endian time, the
// customer, \0, the refund id. DecodePendingRefundKey splits one
// (DataLoss when it is not of that form).
std::string PendingRefundKey(int64_t requested_at_us, std::string_view customer,
                             std::string_view refund_id);
struct PendingRefundKeyParts {
  int64_t requested_at_us = 0;
  std::string customer;
  std::string refund_id;
};
[[nodiscard]] absl::StatusOr<PendingRefundKeyParts> DecodePendingRefundKey(
    std::string_view key);
// The queue's changes for the refunds of `customer` that `touched` names:
// `put` for each one pending, `erase` (the key) for each one that is not.
void EncodePendingRefundChanges(const CustomerState& customer,
                                const TouchedEntities& touched,
                                const EmitFn& put,
                                const std::function<void(std::string)>& erase);
// The queue's entry of each pending refund of `customer` (building the
// queue, and replay's check of it).
void EncodePendingRefunds(const CustomerState& customer, const EmitFn& emit);

// Rebuilds the state from the stored projections, iterated in key order.
class StateDecoder {
 public:
  explicit StateDecoder(LedgerState& state) : state_(state) {}
  [[nodiscard]] absl::Status Add(std::string_view key, std::string_view value);
  // Puts each customer's lots in grant order and checks they are complete.
  [[nodiscard]] absl::Status Finish();

 private:
  LedgerState& state_;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_STORAGE_STORAGE_LAYOUT_H_
