#include "ledger/storage/storage_layout.h"

#include <algorithm>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/base/command_fingerprint.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"

namespace ledger {
namespace {

// State keys: <customer> \0 <type> [<id>]. Customer ids never hold \0, and
// policy keys start with \0, so the families cannot collide.
constexpr char kHeaderType = 'H';
constexpr char kLotType = 'L';
constexpr char kHoldType = 'O';
constexpr char kUsageType = 'U';
constexpr char kRefundType = 'R';
constexpr char kPolicyType = 'P';
// The ranges of storage_layout.h rely on this order.
static_assert(kHeaderType < kLotType && kLotType < kHoldType &&
              kHoldType < kRefundType && kRefundType < kUsageType);

std::string StateKey(std::string_view customer, char type,
                     std::string_view id) {
  std::string key;
  key.reserve(customer.size() + 2 + id.size());
  key.append(customer);
  key.push_back('\0');
  key.push_back(type);
  key.append(id);
  return key;
}

}  // namespace

std::string CustomerStart(std::string_view customer) {
  return StateKey(customer, kHeaderType, "").substr(0, customer.size() + 1);
}
std::string CustomerHoldsStart(std::string_view customer) {
  return StateKey(customer, kHoldType, "");
}
std::string CustomerUsagesStart(std::string_view customer) {
  return StateKey(customer, kUsageType, "");
}
std::string CustomerHeaderKey(std::string_view customer) {
  return StateKey(customer, kHeaderType, "");
}
std::string LotKey(std::string_view customer, std::string_view lot_id) {
  return StateKey(customer, kLotType, lot_id);
}
std::string HoldKey(std::string_view customer, std::string_view hold_id) {
  return StateKey(customer, kHoldType, hold_id);
}
std::string UsageKey(std::string_view customer, std::string_view usage_id) {
  return StateKey(customer, kUsageType, usage_id);
}
std::string RefundKey(std::string_view customer, std::string_view refund_id) {
  return StateKey(customer, kRefundType, refund_id);
}

std::string EncodeHead(uint64_t seq, std::string_view hash) {
  v1::HeadRecord head;
  head.set_seq(seq);
  head.set_hash(hash.data(), hash.size());
  return SerializeDeterministic(head);
}

std::string EncodeAppliedPosition(uint64_t position) {
  return EventKey(position);  // the same 8-byte big-endian form
}

absl::StatusOr<uint64_t> DecodeAppliedPosition(std::string_view value) {
  if (value.size() != 8) {
    return absl::DataLossError(
        absl::StrCat("applied position of ", value.size(), " bytes, not 8"));
  }
  uint64_t position = 0;
  for (unsigned char c : value) position = (position << 8) | c;
  if (position == 0) {
    return absl::DataLossError("applied position 0 is never stored");
  }
  return position;
}

std::string EncodeKeyRecord(uint64_t seq) {
  v1::KeyRecord record;
  record.set_seq(seq);
  return SerializeDeterministic(record);
}

std::string DerivedFieldStored(const v1::EventHeader& h) {
  if (!h.key().empty()) return "key";
  if (!h.customer().empty()) return "customer";
  if (!h.prev_hash().empty()) return "prev_hash";
  if (!h.command_fingerprint().empty()) return "command_fingerprint";
  return "";
}

std::string StoredEventBytes(const v1::Event& event) {
  if (DerivedFieldStored(event.header()).empty()) {
    return SerializeDeterministic(event);
  }
  // A copy: only rewriters of stored events (tests, tools) get here; the
  // writer serializes its event before it fills the derived fields.
  v1::Event stored = event;
  v1::EventHeader& h = *stored.mutable_header();
  h.clear_key();
  h.clear_customer();
  h.clear_prev_hash();
  h.clear_command_fingerprint();
  return SerializeDeterministic(stored);
}

void FillDerivedHeader(v1::Event& event, std::string_view prev_hash,
                       std::string fingerprint) {
  v1::EventHeader& h = *event.mutable_header();
  h.set_key(event.command().key());
  h.set_customer(event.command().customer());
  h.set_prev_hash(prev_hash.data(), prev_hash.size());
  h.set_command_fingerprint(std::move(fingerprint));
}

absl::Status RestoreDerivedHeader(v1::Event& event,
                                  std::string_view prev_hash) {
  const std::string stored = DerivedFieldStored(event.header());
  if (!stored.empty()) {
    return absl::DataLossError(absl::StrCat(
        "stored event ", event.header().seq(), " carries its header's ", stored,
        ", which the ledger never stores"));
  }
  FillDerivedHeader(event, prev_hash, CommandFingerprint(event.command()));
  return absl::OkStatus();
}

namespace {

// The id field (field 1) of each stored entity: the key holds it, so the
// stored value leaves it out and readers set it from the key.
void SetId(v1::CustomerHeader& m, std::string_view id) {
  m.set_customer(id.data(), id.size());
}
void SetId(v1::LotState& m, std::string_view id) { m.set_lot_id(id.data(), id.size()); }
void SetId(v1::HoldState& m, std::string_view id) { m.set_hold_id(id.data(), id.size()); }
void SetId(v1::UsageState& m, std::string_view id) { m.set_usage_id(id.data(), id.size()); }
void SetId(v1::RefundState& m, std::string_view id) {
  m.set_refund_id(id.data(), id.size());
}

const std::string& IdOf(const v1::CustomerHeader& m) { return m.customer(); }
const std::string& IdOf(const v1::LotState& m) { return m.lot_id(); }
const std::string& IdOf(const v1::HoldState& m) { return m.hold_id(); }
const std::string& IdOf(const v1::UsageState& m) { return m.usage_id(); }
const std::string& IdOf(const v1::RefundState& m) { return m.refund_id(); }

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void AppendVarint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// The stored value of an entity: its deterministic bytes without its id.
// The id is field 1, a string, and a deterministic encoding writes fields
// in number order (unknown ones last), so the id is the encoding's first
// bytes when it is set: tag 0x0A, its length, the id. Cutting them off
// gives what serializing the message with the id cleared would, without
// the copy of the message that clearing it on a copy costs per entity
// written (the state is not the encoder's to change: readers share it).
template <typename Message>
std::string WithoutId(const Message& m) {
  std::string bytes = SerializeDeterministic(m);
  const size_t id_size = IdOf(m).size();
  if (id_size == 0) return bytes;
  const size_t field_size = 1 + VarintSize(id_size) + id_size;
  LEDGER_CHECK(bytes.size() >= field_size && bytes[0] == '\x0A')
      << "an entity's id is not the first field of its encoding";
  bytes.erase(0, field_size);
  return bytes;
}

// Header field 140 (entity_ids), length-delimited: (140 << 3) | 2.
constexpr uint64_t kEntityIdsTag = (140 << 3) | 2;

// A length-delimited field: tag, length, bytes.
size_t StringFieldSize(const std::string& value) {
  return 1 + VarintSize(value.size()) + value.size();
}
void AppendStringField(char tag, const std::string& value, std::string& out) {
  out.push_back(tag);
  AppendVarint(value.size(), out);
  out.append(value);
}

// The stored header: WithoutId of the in-memory one (which never carries
// entity_ids) with entity_ids (a v1::CustomerEntityIds: lot_ids 1,
// pending_hold_ids 2, pending_refund_ids 3) appended, unless it would name
// more than kListedIdsMax. Field 140 is above every other header field,
// so these are the bytes a deterministic encoding of the header with
// entity_ids set gives; they are written here, not through a message, so a
// command's header costs no copy of its ids.
std::string StoredHeader(const CustomerState& c) {
  std::string bytes = WithoutId(c.header);
  std::vector<const std::string*> holds;
  std::vector<const std::string*> refunds;
  for (const auto& [id, hold] : c.holds) {
    if (hold.status() == v1::HOLD_PENDING) holds.push_back(&id);
  }
  for (const auto& [id, refund] : c.refunds) {
    if (refund.status() == v1::REFUND_PENDING) refunds.push_back(&id);
  }
  if (c.lots.size() + holds.size() + refunds.size() > kListedIdsMax) {
    return bytes;
  }
  // The maps' order is arbitrary; the stored bytes must not be.
  auto by_id = [](const std::string* a, const std::string* b) { return *a < *b; };
  std::sort(holds.begin(), holds.end(), by_id);
  std::sort(refunds.begin(), refunds.end(), by_id);
  size_t list_size = 0;
  for (const v1::LotState& lot : c.lots) list_size += StringFieldSize(lot.lot_id());
  for (const std::string* id : holds) list_size += StringFieldSize(*id);
  for (const std::string* id : refunds) list_size += StringFieldSize(*id);
  bytes.reserve(bytes.size() + 2 + VarintSize(list_size) + list_size);
  AppendVarint(kEntityIdsTag, bytes);
  AppendVarint(list_size, bytes);
  for (const v1::LotState& lot : c.lots) AppendStringField('\x0A', lot.lot_id(), bytes);
  for (const std::string* id : holds) AppendStringField('\x12', *id, bytes);
  for (const std::string* id : refunds) AppendStringField('\x1A', *id, bytes);
  return bytes;
}

template <typename Map>
void EmitEach(const std::string& customer, char type, const Map& map,
              const std::vector<std::string>* only, const EmitFn& emit) {
  if (only != nullptr) {
    for (const std::string& id : *only) {
      emit(StateKey(customer, type, id), WithoutId(map.at(id)));
    }
    return;
  }
  for (const auto& [id, entity] : map) {
    emit(StateKey(customer, type, id), WithoutId(entity));
  }
}

template <typename Message>
absl::Status ParseInto(std::string_view value, Message& m,
                       std::string_view key, std::string_view id) {
  if (!m.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(
        absl::StrCat("stored projection ", absl::CEscape(std::string(key)), " is corrupt"));
  }
  SetId(m, id);
  return absl::OkStatus();
}

}  // namespace

std::string EncodeRejectionKey(int64_t recorded_at_us, uint64_t counter) {
  const uint64_t at = recorded_at_us < 0 ? 0 : static_cast<uint64_t>(recorded_at_us);
  return EventKey(at) + EventKey(counter);  // the same 8-byte big-endian form
}

absl::StatusOr<uint64_t> RejectionKeyCounter(std::string_view key) {
  if (key.size() != 16) {
    return absl::DataLossError(
        absl::StrCat("refusal key of ", key.size(), " bytes, not 16"));
  }
  uint64_t counter = 0;
  for (unsigned char c : key.substr(8)) counter = (counter << 8) | c;
  return counter;
}

std::string RejectionIndexPrefix(std::string_view customer) {
  std::string prefix("\xFF", 1);
  const uint32_t size = static_cast<uint32_t>(customer.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    prefix.push_back(static_cast<char>((size >> shift) & 0xFF));
  }
  prefix.append(customer);
  return prefix;
}

std::string RejectionIndexKey(std::string_view customer,
                              std::string_view rejection_key) {
  std::string key = RejectionIndexPrefix(customer);
  key.append(rejection_key);
  return key;
}

absl::StatusOr<std::string> RejectionKeyOfIndexKey(std::string_view index_key) {
  if (index_key.size() < 1 + 4 + 16 || index_key[0] != '\xFF') {
    return absl::DataLossError(absl::StrCat(
        "refusal index key of ", index_key.size(), " bytes is malformed"));
  }
  uint32_t size = 0;
  for (unsigned char c : index_key.substr(1, 4)) size = (size << 8) | c;
  if (index_key.size() != size_t{1} + 4 + size + 16) {
    return absl::DataLossError(absl::StrCat(
        "refusal index key of ", index_key.size(),
        " bytes does not match its customer length ", size));
  }
  return std::string(index_key.substr(index_key.size() - 16));
}

std::string EncodeDeliveryCursor(uint64_t seq) {
  return EventKey(seq);  // the same 8-byte big-endian form
}

absl::StatusOr<uint64_t> DecodeDeliveryCursor(std::string_view value) {
  if (value.size() != 8) {
    return absl::DataLossError(
        absl::StrCat("delivery cursor of ", value.size(), " bytes, not 8"));
  }
  uint64_t seq = 0;
  for (unsigned char c : value) seq = (seq << 8) | c;
  return seq;
}

std::string EventKey(uint64_t seq) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(seq & 0xff);
    seq >>= 8;
  }
  return key;
}

absl::StatusOr<uint64_t> DecodeEventKey(std::string_view key) {
  if (key.size() != 8) {
    return absl::DataLossError(
        absl::StrCat("event key of ", key.size(), " bytes, not 8"));
  }
  uint64_t seq = 0;
  for (unsigned char c : key) seq = (seq << 8) | c;
  return seq;
}

absl::StatusOr<v1::Event> DecodeStoredEvent(std::string_view key,
                                            std::string_view value,
                                            std::string_view prev_hash) {
  absl::StatusOr<uint64_t> seq = DecodeEventKey(key);
  if (!seq.ok()) return seq.status();
  v1::Event event;
  if (value.size() < kHashBytes ||
      !event.ParseFromArray(value.data() + kHashBytes,
                            static_cast<int>(value.size() - kHashBytes))) {
    return absl::DataLossError(
        absl::StrCat("stored event ", *seq, " does not parse"));
  }
  if (event.header().seq() != *seq) {
    return absl::DataLossError(absl::StrCat("stored event ", *seq,
                                            " says it is seq ",
                                            event.header().seq()));
  }
  if (absl::Status s = RestoreDerivedHeader(event, prev_hash); !s.ok()) {
    return s;
  }
  return event;
}

template <typename Message>
absl::Status DecodeStoredEntity(std::string_view id, std::string_view value,
                                Message& entity) {
  if (!entity.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(
        absl::StrCat("stored projection of ", std::string(id), " is corrupt"));
  }
  SetId(entity, id);
  return absl::OkStatus();
}
template absl::Status DecodeStoredEntity(std::string_view, std::string_view,
                                         v1::LotState&);
template absl::Status DecodeStoredEntity(std::string_view, std::string_view,
                                         v1::HoldState&);
template absl::Status DecodeStoredEntity(std::string_view, std::string_view,
                                         v1::UsageState&);
template absl::Status DecodeStoredEntity(std::string_view, std::string_view,
                                         v1::RefundState&);

void EncodeCustomer(const CustomerState& customer,
                    const TouchedEntities* touched, const EmitFn& emit) {
  const std::string& id = customer.header.customer();
  emit(StateKey(id, kHeaderType, ""), StoredHeader(customer));
  if (touched != nullptr) {
    for (const std::string& lot_id : touched->lots) {
      emit(StateKey(id, kLotType, lot_id), WithoutId(*customer.FindLot(lot_id)));
    }
  } else {
    for (const v1::LotState& lot : customer.lots) {
      emit(StateKey(id, kLotType, lot.lot_id()), WithoutId(lot));
    }
  }
  EmitEach(id, kHoldType, customer.holds, touched ? &touched->holds : nullptr, emit);
  EmitEach(id, kUsageType, customer.usages, touched ? &touched->usages : nullptr, emit);
  EmitEach(id, kRefundType, customer.refunds, touched ? &touched->refunds : nullptr, emit);
}

std::string StoredUsage(const v1::UsageState& usage) { return WithoutId(usage); }

absl::Status DecodeStoredHeader(std::string_view customer,
                                std::string_view value,
                                v1::CustomerHeader& header,
                                std::optional<v1::CustomerEntityIds>& ids) {
  RETURN_IF_ERROR(DecodeStoredEntity(customer, value, header));
  if (header.has_entity_ids()) {
    ids.emplace(std::move(*header.mutable_entity_ids()));
    header.clear_entity_ids();
  } else {
    ids.reset();
  }
  return absl::OkStatus();
}

bool IsCustomerHeaderKey(std::string_view key) {
  return key.size() >= 3 && key.find('\0') == key.size() - 2 &&
         key.back() == kHeaderType;
}

bool IsUnlistedFormOf(std::string_view rebuilt, std::string_view stored) {
  v1::CustomerHeader header;
  if (!header.ParseFromArray(rebuilt.data(), static_cast<int>(rebuilt.size())) ||
      !header.has_entity_ids()) {
    return false;
  }
  header.clear_entity_ids();
  return SerializeDeterministic(header) == stored;
}

void EncodePolicy(const v1::PolicyState& policy, const EmitFn& emit) {
  emit(StateKey("", kPolicyType, EventKey(policy.seq())),
       SerializeDeterministic(policy));
}

void EncodeState(const LedgerState& state, const EmitFn& emit) {
  for (const auto& [id, customer] : state.customers) {
    EncodeCustomer(customer, nullptr, emit);
  }
  for (const v1::PolicyState& policy : state.policies.versions()) {
    EncodePolicy(policy, emit);
  }
}

std::string CustomerStatePrefix(std::string_view customer) {
  std::string prefix(customer);
  prefix.push_back('\0');
  return prefix;
}

std::string PolicyStatePrefix() {
  return std::string({'\0', kPolicyType});
}

absl::Status StateDecoder::Add(std::string_view key, std::string_view value) {
  size_t sep = key.find('\0');
  if (sep == std::string_view::npos || sep + 1 >= key.size()) {
    return absl::DataLossError(
        absl::StrCat("malformed state key ", absl::CEscape(std::string(key))));
  }
  std::string customer(key.substr(0, sep));
  char type = key[sep + 1];
  std::string id(key.substr(sep + 2));
  if (type == kPolicyType) {
    v1::PolicyState policy;
    if (!policy.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::DataLossError(absl::StrCat(
          "stored projection ", absl::CEscape(std::string(key)), " is corrupt"));
    }
    state_.policies.Add(policy);
    return absl::OkStatus();
  }
  CustomerState& c = state_.customers[customer];
  switch (type) {
    case kHeaderType:
      // The list of what loading reads is the stored form's, never the
      // state's (EncodeCustomer derives it).
      RETURN_IF_ERROR(ParseInto(value, c.header, key, customer));
      c.header.clear_entity_ids();
      return absl::OkStatus();
    case kLotType:
      return ParseInto(value, c.lots.emplace_back(), key, id);
    case kHoldType:
      return ParseInto(value, c.holds[id], key, id);
    case kUsageType:
      return ParseInto(value, c.usages[id], key, id);
    case kRefundType:
      return ParseInto(value, c.refunds[id], key, id);
    default:
      return absl::DataLossError(
          absl::StrCat("state key of unknown type ", absl::CEscape(std::string(key))));
  }
}

absl::Status StateDecoder::Finish() {
  for (auto& [id, c] : state_.customers) {
    if (c.header.customer() != id) {
      return absl::DataLossError(
          absl::StrCat("stored customer ", id, " has no header"));
    }
    std::sort(c.lots.begin(), c.lots.end(),
              [](const v1::LotState& a, const v1::LotState& b) {
                return a.grant_index() < b.grant_index();
              });
    if (c.lots.size() != c.header.lots_granted()) {
      return absl::DataLossError(
          absl::StrCat("customer ", id, " lacks stored lots"));
    }
    for (uint32_t i = 0; i < c.lots.size(); ++i) {
      if (c.lots[i].grant_index() != i) {
        return absl::DataLossError(
            absl::StrCat("customer ", id, " has lots out of grant order"));
      }
      c.lot_index[c.lots[i].lot_id()] = i;
    }
  }
  return absl::OkStatus();
}

}  // namespace ledger
