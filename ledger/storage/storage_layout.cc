#include "ledger/storage/storage_layout.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/command_fingerprint.h"
#include "ledger/base/sha256.h"

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

// The stored value of an entity: its deterministic bytes without its id. A
// copy, as the state is not the encoder's to change; these messages are
// small (tens of bytes), unlike an event.
template <typename Message>
std::string WithoutId(const Message& m) {
  Message stored = m;
  SetId(stored, "");
  return SerializeDeterministic(stored);
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
                                         v1::HoldState&);
template absl::Status DecodeStoredEntity(std::string_view, std::string_view,
                                         v1::UsageState&);
template absl::Status DecodeStoredEntity(std::string_view, std::string_view,
                                         v1::RefundState&);

void EncodeCustomer(const CustomerState& customer,
                    const TouchedEntities* touched, const EmitFn& emit) {
  const std::string& id = customer.header.customer();
  emit(StateKey(id, kHeaderType, ""), WithoutId(customer.header));
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
      return ParseInto(value, c.header, key, customer);
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
