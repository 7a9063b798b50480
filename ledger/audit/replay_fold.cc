// Judging and folding one event in its worker: the first use of its key,
// its command judged again against the state rebuilt so far, its follow-up
// effects decided again, the fold, and the postings summed per customer;
// at the end, each customer's accounts against its folded state
// (ledger/audit/replayer.h).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "ledger/audit/replayer.h"
#include "ledger/base/status_macros.h"
#include "ledger/rules/decide.h"
#include "ledger/rules/follow_up.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/time_util.h"
#include "projections/apply.h"
#include "projections/balance.h"
#include "projections/consumption_order.h"

namespace ledger {
namespace replay_internal {
namespace {

// True when the two repeated fields hold the same messages, byte for byte.
// `a_bytes` and `b_bytes` are scratch buffers, reused across calls.
template <typename Repeated>
bool SameMessages(const Repeated& a, const Repeated& b, std::string& a_bytes,
                  std::string& b_bytes) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    SerializeDeterministicTo(a.Get(i), &a_bytes);
    SerializeDeterministicTo(b.Get(i), &b_bytes);
    if (a_bytes != b_bytes) return false;
  }
  return true;
}

// True when `a` holds `b`'s messages as its first b.size() entries, byte for
// byte.
template <typename Repeated>
bool SamePrefix(const Repeated& a, const Repeated& b, std::string& a_bytes,
                std::string& b_bytes) {
  if (a.size() < b.size()) return false;
  for (int i = 0; i < b.size(); ++i) {
    SerializeDeterministicTo(a.Get(i), &a_bytes);
    SerializeDeterministicTo(b.Get(i), &b_bytes);
    if (a_bytes != b_bytes) return false;
  }
  return true;
}

}  // namespace

// Records the worker's first finding; the status stops the worker.
absl::Status Replayer::Find(FoldShard& shard, uint64_t seq, Stage stage,
                            std::string problem) {
  shard.finding = Finding{seq, stage, std::move(problem), shard.events,
                          shard.last_seq};
  uint64_t stop = stop_after_.load(std::memory_order_relaxed);
  while (seq < stop && !stop_after_.compare_exchange_weak(stop, seq)) {
  }
  return StopScan();
}

// One event through the checks of this worker's share: all of them for
// its customers' events and every set_policy; the key's for its keys.
absl::Status Replayer::Consume(int worker, FoldShard& shard,
                               const CheckedEvent& checked) {
  if (!checked.problem.empty()) {
    return Find(shard, checked.seq, Stage::kStateless, checked.problem);
  }
  const v1::Event& event = *checked.event;
  const v1::EventHeader& h = event.header();
  const size_t me = static_cast<size_t>(worker);
  if (ShardOf(h.key()) == me) {
    RETURN_IF_ERROR(CheckKeyUnused(shard, checked.seq, h.key()));
    // The record the writer stored for this event (EncodeKeyRecord), byte
    // for byte.
    shard.logged_keys.Add(h.key(), EncodeKeyRecord(checked.seq));
  }
  if (h.customer().empty() || ShardOf(h.customer()) == me) {
    // The usage the command names, when it was spilled: what the writer
    // fetches from its store before judging (docs/storage.md, "Memory").
    if (absl::Status fetched = shard.usages.Fetch(event.command(), shard.state);
        !fetched.ok()) {
      shard.error = fetched;
      return fetched;
    }
    RETURN_IF_ERROR(CheckDecision(shard, checked.seq, event));
    // The shard has not folded the others' events: its last_seq is the
    // log's.
    shard.state.last_seq = shard.last_seq;
    RETURN_IF_ERROR(FoldAndCheckFollowUp(shard, checked.seq, event));
    AddPostings(shard, checked.seq, event);
    if (checked.seq <= customer_index_through_) {
      CustomerIndexCheck::AddImplied(h.customer(), checked.seq, h.at_us(),
                                     shard.logged_customer_events);
    }
    if (absl::Status noted = shard.usages.Note(shard.touched, shard.state);
        !noted.ok()) {
      shard.error = noted;
      return noted;
    }
  }
  shard.last_seq = h.seq();
  shard.last_hash.assign(checked.hash.data(), checked.hash.size());
  ++shard.events;
  return absl::OkStatus();
}

// A key names one command: a second event with it is a second acceptance.
absl::Status Replayer::CheckKeyUnused(FoldShard& shard, uint64_t seq,
                                      const std::string& key) {
  absl::StatusOr<std::optional<uint64_t>> first =
      SeenKeyHash(shard, absl::HashOf(key), seq);
  if (!first.ok()) {
    shard.error = first.status();
    return shard.error;
  }
  if (!first->has_value()) return absl::OkStatus();
  absl::StatusOr<std::string> earlier = KeyOfEvent(**first);
  if (!earlier.ok()) {
    shard.error = earlier.status();
    return shard.error;
  }
  // Another key with the same hash: only these are kept whole.
  if (*earlier != key &&
      shard.keys_of_shared_hashes.try_emplace(key, seq).second) {
    return absl::OkStatus();
  }
  return Find(shard, seq, Stage::kKey,
              absl::StrCat("idempotency key '", key, "' used twice"));
}

// The hashes held past the shard's share of the budget go to its scratch
// database, under \1 and the hash, and are looked up there once any went.
absl::StatusOr<std::optional<uint64_t>> Replayer::SeenKeyHash(
    FoldShard& shard, uint64_t hash, uint64_t seq) {
  auto [first, inserted] = shard.first_seq_of_key_hash.try_emplace(hash, seq);
  if (!inserted) return std::optional<uint64_t>(first->second);
  auto scratch_key = [](uint64_t h) {
    std::string out(1, '\1');
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((h >> shift) & 0xff));
    }
    return out;
  };
  if (shard.key_hashes_spilled && shard.spilled_key_hashes.MayContain(hash)) {
    ASSIGN_OR_RETURN(ScratchDb * scratch, shard.usages.scratch());
    ASSIGN_OR_RETURN(std::optional<std::string> stored,
                     scratch->Get(scratch_key(hash)));
    if (stored.has_value()) {
      shard.first_seq_of_key_hash.erase(hash);
      ASSIGN_OR_RETURN(uint64_t earlier, DecodeEventKey(*stored));
      return std::optional<uint64_t>(earlier);
    }
  }
  if (shard.first_seq_of_key_hash.size() > shard.max_key_hashes) {
    ASSIGN_OR_RETURN(ScratchDb * scratch, shard.usages.scratch());
    // Sorted as numbers, which is their keys' order (big-endian), then
    // written as one sorted run, entry by entry: the whole share as (key,
    // value) strings and one batch of them, on top of the map, was the
    // peak of a bounded replay at a million events (docs/benchmarks.md,
    // "Years of history: replay's memory and rate, continued"). A share
    // is a table file of its own, not memtable inserts and their flush
    // (ScratchDb::SortedRun).
    std::vector<std::pair<uint64_t, uint64_t>> sorted(
        shard.first_seq_of_key_hash.begin(), shard.first_seq_of_key_hash.end());
    std::sort(sorted.begin(), sorted.end());
    const size_t entry_bytes =
        scratch_key(0).size() + (sorted.empty() ? 0 : EventKey(sorted[0].second).size());
    ASSIGN_OR_RETURN(std::unique_ptr<ScratchDb::SortedRun> run,
                     scratch->NewSortedRun(sorted.size() * entry_bytes));
    for (const auto& [hash, first_seq] : sorted) {
      RETURN_IF_ERROR(run->Add(scratch_key(hash), EventKey(first_seq)));
      shard.spilled_key_hashes.Add(hash);
    }
    RETURN_IF_ERROR(run->Finish());
    // Kept at its size: it fills again to the same share, and growing it
    // from empty held the old slots and the new at each doubling.
    const size_t capacity = shard.first_seq_of_key_hash.size();
    shard.first_seq_of_key_hash.clear();
    shard.first_seq_of_key_hash.reserve(capacity);
    shard.key_hashes_spilled = true;
  }
  return std::optional<uint64_t>();
}

// The key of the event at `seq`, which was replayed already.
absl::StatusOr<std::string> Replayer::KeyOfEvent(uint64_t seq) const {
  std::string key;
  absl::Status scanned = store_.ForEachEvent(
      seq, [&](std::string_view stored_key, std::string_view value) -> absl::Status {
        // Only the key is wanted, and the command holds it: no chained hash
        // to refill.
        ASSIGN_OR_RETURN(uint64_t seq, DecodeEventKey(stored_key));
        v1::Event event;
        if (value.size() < kHashBytes ||
            !event.ParseFromArray(value.data() + kHashBytes,
                                  static_cast<int>(value.size() - kHashBytes))) {
          return absl::DataLossError(
              absl::StrCat("stored event ", seq, " does not parse"));
        }
        key = event.command().key();
        return StopScan();  // only this one
      });
  if (!absl::IsCancelled(scanned)) return scanned;
  return key;
}

// Folds the event's own effects (CheckDecision's judgement left their
// number in shard.judged), decides its follow-up effects again from the
// state they leave, as the writer did (rules/follow_up.h), requires the
// stored ones to be exactly those, and folds them. A flipped alert state
// or a made-up or missing top-up request in the log is found here.
absl::Status Replayer::FoldAndCheckFollowUp(FoldShard& shard, uint64_t seq,
                                            const v1::Event& event) {
  const int own = shard.judged.effects_size();
  // Cleared, not replaced: the vectors keep their room from event to event.
  TouchedEntities& touched = shard.touched;
  touched.customer.clear();
  touched.lots.clear();
  touched.holds.clear();
  touched.usages.clear();
  touched.refunds.clear();
  touched.policy = false;
  absl::Status applied =
      ApplyEventEffects(event, own, shard.state, &shard.touched);
  if (applied.ok() && !event.header().customer().empty()) {
    const CustomerState& customer =
        shard.state.customers.at(event.header().customer());
    DecideFollowUp(customer, AvailableAt(customer, event.header().at_us()),
                   shard.judged.mutable_effects());
    if (!SameMessages(event.effects(), shard.judged.effects(),
                      shard.stored_bytes, shard.judged_bytes)) {
      return Find(shard, seq, Stage::kDecision,
                  "judged again, the command moves other balance alerts or "
                  "makes another top-up request than the log says");
    }
    applied = ApplyFollowUpEffects(event, own, shard.state, &shard.touched);
  }
  if (!applied.ok()) {
    return Find(shard, seq, Stage::kApply, std::string(applied.message()));
  }
  return absl::OkStatus();
}

// Judges the event's command again against the state rebuilt so far: the
// same code and the same state must give the same decision. The stored
// effects past the decided ones are the follow-up effects, checked by
// FoldAndCheckFollowUp.
absl::Status Replayer::CheckDecision(FoldShard& shard, uint64_t seq,
                                     const v1::Event& event) {
  const v1::EventHeader& h = event.header();
  // One message, cleared and reused: on the heap, not an arena, so that
  // Decide's effects and postings are moved into it, not copied.
  v1::Event& again = shard.judged;
  again.Clear();
  // The command was checked valid and canonical by CheckStoredEvent. A
  // command stored without `at` was stamped with the writer's clock raised
  // to the customer's last time: the stored time, given as the clock,
  // judges the same (docs/contract.md section 15).
  // A stamped command of an event that records its recording time was
  // stamped with that very clock (docs/contract.md section 16): judged
  // from it, it must land on the event's time again.
  const int64_t received_at_us =
      !event.command().has_at() && h.recorded_at_us() != 0 ? h.recorded_at_us()
                                                           : h.at_us();
  Decision decision =
      Decide(event.command(), shard.state, &again, received_at_us,
             Issuer{h.actor(), /*before_recording=*/h.recorded_at_us() == 0});
  if (!decision.accepted) {
    return Find(shard, seq, Stage::kDecision,
                absl::StrCat("judged again, the command is rejected ",
                             v1::RejectionCode_Name(decision.code), ": ",
                             decision.message));
  }
  if (h.at_us() != again.header().at_us()) {
    return Find(shard, seq, Stage::kDecision,
                absl::StrCat("judged again, the command is judged at ",
                             FormatTimeUs(again.header().at_us()),
                             ", not at the event's time ",
                             FormatTimeUs(h.at_us())));
  }
  if (h.policy_version() != again.header().policy_version() ||
      !SamePrefix(event.effects(), again.effects(), shard.stored_bytes,
                  shard.judged_bytes) ||
      (h.customer().empty() && event.effects_size() != again.effects_size()) ||
      !SameMessages(event.postings(), again.postings(), shard.stored_bytes,
                    shard.judged_bytes)) {
    return Find(shard, seq, Stage::kDecision,
                "judged again, the command decides other effects or postings");
  }
  return absl::OkStatus();
}

void Replayer::AddPostings(FoldShard& shard, uint64_t seq,
                           const v1::Event& event) {
  if (event.header().customer().empty()) return;
  CustomerAudit& a = shard.audits[event.header().customer()];
  a.last_seq = seq;
  for (const v1::Posting& p : event.postings()) {
    switch (p.account()) {
      case v1::CUSTOMER_LOTS:
        a.lots += p.amount();
        break;
      case v1::CUSTOMER_HELD:
        a.held += p.amount();
        break;
      case v1::CUSTOMER_REFUND_PENDING:
        a.refund_pending += p.amount();
        break;
      default:
        break;
    }
  }
}

// Each customer's own accounts, summed from the postings, must mirror the
// folded state: CUSTOMER_LOTS is minus the lots' remaining, and so on. Of
// several customers that do not, the one whose last event came first is
// named, whatever the shards' or hash maps' order.
void Replayer::CheckAccounts() {
  const std::string* worst_id = nullptr;
  uint64_t worst_seq = 0;
  for (const auto& shard : shards_) {
    for (const auto& [id, customer] : shard->state.customers) {
      const CustomerAudit* found = FindAudit(id);
      const CustomerAudit& a = found != nullptr ? *found : CustomerAudit();
      if (a.lots == -customer.TotalRemaining() && a.held == -customer.header.held() &&
          a.refund_pending == -customer.header.refund_pending()) {
        continue;
      }
      if (worst_id == nullptr || a.last_seq < worst_seq ||
          (a.last_seq == worst_seq && id < *worst_id)) {
        worst_id = &id;
        worst_seq = a.last_seq;
      }
    }
  }
  if (worst_id != nullptr) {
    Record(worst_seq, absl::StrCat("the postings of customer ", *worst_id,
                                   " do not match their lots, holds and refunds"));
  }
}

}  // namespace replay_internal
}  // namespace ledger
