// One command judged inside its group (docs/contract.md section 5): its
// key checked against the groups in flight and the store, the rules'
// decision, and an accepted command's event folded into the state, chained
// and added to the group's WriteBatch with the state it changed.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "ledger/base/command_fingerprint.h"
#include "ledger/base/deterministic_bytes.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/rules/decide.h"
#include "ledger/rules/follow_up.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/write_path/ledger_impl.h"
#include "projections/apply.h"
#include "projections/consumption_order.h"

namespace ledger {

namespace {

// The event's stored bytes: without the derived header fields
// (docs/storage.md). They are moved out for the moment and back, since the
// follow-up effects are decided after the fold, which reads them; copying
// the whole event (StoredEventBytes) would cost the hot path.
std::string SerializeWithoutDerived(v1::Event& event) {
  v1::EventHeader& h = *event.mutable_header();
  std::string key = std::move(*h.mutable_key());
  std::string customer = std::move(*h.mutable_customer());
  std::string prev_hash = std::move(*h.mutable_prev_hash());
  std::string fingerprint = std::move(*h.mutable_command_fingerprint());
  h.clear_key();
  h.clear_customer();
  h.clear_prev_hash();
  h.clear_command_fingerprint();
  std::string bytes = SerializeDeterministic(event);
  h.set_key(std::move(key));
  h.set_customer(std::move(customer));
  h.set_prev_hash(std::move(prev_hash));
  h.set_command_fingerprint(std::move(fingerprint));
  return bytes;
}

// docs/contract.md section 12: the thresholds an accepted command moved and
// the top-up request it made, read from its follow-up effects.
void FillFollowUp(const v1::Event& event, SubmitResult& result) {
  for (int i = OwnEffectCount(event); i < event.effects_size(); ++i) {
    const v1::Effect& e = event.effects(i);
    if (e.has_threshold_crossed()) {
      const v1::ThresholdCrossed& t = e.threshold_crossed();
      result.alerts.push_back(AlertMove{t.code(), t.credits(), t.state()});
    } else if (e.has_top_up_requested()) {
      result.top_up = TopUpRequest{e.top_up_requested().request_id(),
                                   e.top_up_requested().credits()};
    }
  }
}

// The stack block each command's event starts its arena in: a `use`'s
// event with its command, effects and postings fits.
constexpr size_t kEventArenaBytes = 4096;

}  // namespace

absl::StatusOr<std::optional<SubmitResult>> LedgerImpl::CheckKey(
    const Prepared& p, const InFlightGroup& group) const {
  // The keys of the groups in flight (this one's, and the one syncing, if
  // any) are not in the store yet; every earlier group's are.
  const InFlightKey* in_flight = nullptr;
  if (auto it = group.keys.find(p.command.key()); it != group.keys.end()) {
    in_flight = &it->second;
  } else {
    const InFlightGroup& other = in_flight_[(group.ticket + 1) % kMaxGroupsInFlight];
    if (other.active) {
      if (auto o = other.keys.find(p.command.key()); o != other.keys.end()) {
        in_flight = &o->second;
      }
    }
  }
  uint64_t seq = 0;
  std::string original;
  if (in_flight != nullptr) {
    seq = in_flight->seq;
    original = *in_flight->fingerprint;
  } else {
    ASSIGN_OR_RETURN(std::optional<v1::KeyRecord> record,
                     store_->FindKey(p.command.key()));
    if (!record.has_value()) return std::optional<SubmitResult>();
    seq = record->seq();
    ASSIGN_OR_RETURN(original, StoredFingerprint(seq));
  }
  if (original != p.fingerprint) {
    return std::optional<SubmitResult>(Rejected(
        p.command.key(), v1::KEY_REUSED,
        absl::StrCat("key '", p.command.key(), "' was accepted as seq ", seq,
                     " for a command with other content; use a new key")));
  }
  SubmitResult duplicate;
  duplicate.key = p.command.key();
  duplicate.outcome = Outcome::kDuplicate;
  duplicate.seq = seq;
  return std::optional<SubmitResult>(std::move(duplicate));
}

// The key record holds no fingerprint (docs/storage.md): a key seen again,
// the rare path, reads its event, whose stored command is canonical, and
// fingerprints that.
absl::StatusOr<std::string> LedgerImpl::StoredFingerprint(uint64_t seq) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   store_->ReadEventValue(seq));
  v1::Event event;
  if (!value.has_value() || value->size() < kHashBytes ||
      !event.ParseFromArray(value->data() + kHashBytes,
                            static_cast<int>(value->size() - kHashBytes))) {
    return absl::DataLossError(absl::StrCat(
        "the idempotency record names seq ", seq,
        " but that event is missing or does not parse: run `ledgerctl "
        "replay`"));
  }
  return CommandFingerprint(event.command());
}

absl::StatusOr<SubmitResult> LedgerImpl::Process(const Prepared& p,
                                                 Judged& judged,
                                                 InFlightGroup& group,
                                                 CustomerPrefetch* read_ahead) {
  if (p.invalid.has_value()) return *p.invalid;
  ASSIGN_OR_RETURN(std::optional<SubmitResult> known, CheckKey(p, group));
  if (known.has_value()) return std::move(*known);
  RETURN_IF_ERROR(Fetch(p.command, group, read_ahead));
  // The event lives only for this call: on an arena that starts on the
  // stack, its strings and sub-messages cost no malloc and free each.
  alignas(8) char arena_block[kEventArenaBytes];
  google::protobuf::ArenaOptions arena_options;
  arena_options.initial_block = arena_block;
  arena_options.initial_block_size = sizeof(arena_block);
  google::protobuf::Arena arena(arena_options);
  v1::Event& event = *google::protobuf::Arena::CreateMessage<v1::Event>(&arena);
  Decision decision =
      Decide(p.command, state_, &event, p.received_at_us,
             Issuer{p.actor, /*before_recording=*/p.recorded_at_us == 0});
  if (!decision.accepted) {
    return Rejected(p.command.key(), decision.code, std::move(decision.message));
  }
  std::optional<int64_t> available;
  RETURN_IF_ERROR(Append(p, event, group, judged.batch, &available));
  group.keys.emplace(p.command.key(),
                     InFlightKey{event.header().seq(), &p.fingerprint});
  // A purchase or subscribe may have just made the customer.
  if (!p.command.customer().empty()) lru_.Touch(p.command.customer());
  SubmitResult accepted;
  accepted.key = p.command.key();
  accepted.outcome = Outcome::kAccepted;
  accepted.seq = event.header().seq();
  if (decision.at_chosen) accepted.at_us = decision.at_us;
  accepted.available = available;
  FillFollowUp(event, accepted);
  return accepted;
}

absl::Status LedgerImpl::Append(const Prepared& p, v1::Event& event,
                                InFlightGroup& group, rocksdb::WriteBatch& batch,
                                std::optional<int64_t>* available) {
  v1::EventHeader& h = *event.mutable_header();
  h.set_seq(state_.last_seq + 1);  // at_us: Decide's
  h.set_actor(p.actor);             // docs/contract.md section 16
  h.set_recorded_at_us(p.recorded_at_us);
  *event.mutable_command() = p.command;
  FillDerivedHeader(event, head_hash_, p.fingerprint);

  // The command's own effects first; then, from the state they leave, the
  // follow-up effects of docs/contract.md section 12, decided from the
  // customer's available credits right after it at the time it was judged
  // at (Decide's at_us: its own `at`, or the time the ledger chose, section
  // 15): the number its result carries.
  TouchedEntities touched;
  const int own = event.effects_size();
  absl::Status applied = ApplyEventEffects(event, own, state_, &touched);
  if (applied.ok() && !h.customer().empty()) {
    const CustomerState& customer = state_.customers.at(h.customer());
    *available = AvailableAt(customer, h.at_us());
    DecideFollowUp(customer, **available, event.mutable_effects());
    applied = ApplyFollowUpEffects(event, own, state_, &touched);
  }
  if (!applied.ok()) {
    // Decide produced effects the fold rejects: a bug, never a user error.
    return absl::InternalError(
        absl::StrCat("decided event does not apply: ", applied.message()));
  }
  // Stored without the fields other stored bytes fix (docs/storage.md);
  // the fold and the group's bookkeeping read them from the filled message.
  const std::string bytes = SerializeWithoutDerived(event);
  const std::string hash = Sha256(head_hash_, bytes);

  // Folded but not on disk until the group's write returns.
  bool first_of_group = false;
  if (h.customer().empty()) {
    group.policy = true;
  } else {
    first_of_group = group.changed.insert(h.customer()).second;
  }
  batch.Put(store_->events(), EventKey(h.seq()), absl::StrCat(hash, bytes));
  batch.Put(store_->keys(), h.key(), EncodeKeyRecord(h.seq()));
  if (!h.customer().empty()) {  // docs/storage.md, "The customer index"
    batch.Put(store_->customer_events(), CustomerEventKey(h.customer(), h.seq()),
              EncodeCustomerEventValue(h.at_us()));
  }
  if (touched.policy) {
    EncodePolicy(state_.policies.versions().back(),
                 [&](std::string key, std::string value) {
                   batch.Put(store_->state(), key, value);
                 });
  } else if (first_of_group) {
    // The customer's first command of the group: its entities are written
    // now, while the fold left them in the processor's caches (encoding
    // them all at the end of the group read every customer again from
    // memory, a cost per command a lone caller paid).
    EncodeTouched(state_.customers.at(h.customer()), touched, batch);
  } else {
    // A later command of the group for the same customer: what it changed
    // is written once, at the end of the group (FlushTouched), from the
    // state the group leaves, however many of its commands change it;
    // being later in the batch, those puts win over the first command's.
    TouchedEntities& all = touched_[h.customer()];
    auto add = [](std::vector<std::string>& to, std::vector<std::string>& from) {
      for (std::string& id : from) to.push_back(std::move(id));
    };
    add(all.lots, touched.lots);
    add(all.holds, touched.holds);
    add(all.usages, touched.usages);
    add(all.refunds, touched.refunds);
  }
  head_hash_ = hash;
  return absl::OkStatus();
}

void LedgerImpl::EncodeTouched(const CustomerState& customer,
                               const TouchedEntities& touched,
                               rocksdb::WriteBatch& batch) {
  EncodeCustomer(customer, &touched, [&](std::string key, std::string value) {
    batch.Put(store_->state(), key, value);
  });
  EncodePendingRefundChanges(
      customer, touched,
      [&](std::string key, std::string value) {
        batch.Put(store_->pending_refunds(), key, value);
      },
      [&](std::string key) { batch.Delete(store_->pending_refunds(), key); });
}

void LedgerImpl::FlushTouched(rocksdb::WriteBatch& batch) {
  auto unique = [](std::vector<std::string>& ids) {
    if (ids.size() < 2) return;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  };
  for (auto& [id, touched] : touched_) {
    unique(touched.lots);
    unique(touched.holds);
    unique(touched.usages);
    unique(touched.refunds);
    EncodeTouched(state_.customers.at(id), touched, batch);
  }
  touched_.clear();
}

}  // namespace ledger
