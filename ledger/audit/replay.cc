#include "ledger/replay.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "ledger/audit/checked_event_stream.h"
#include "ledger/audit/customer_index_check.h"
#include "ledger/audit/key_index_digest.h"
#include "ledger/audit/rebuild_state.h"
#include "ledger/rules/decide.h"
#include "ledger/time_util.h"
#include "ledger/rules/follow_up.h"
#include "ledger/base/check.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/store.h"
#include "projections/apply.h"
#include "projections/balance.h"
#include "projections/consumption_order.h"

namespace ledger {
namespace {

// Stops a scan at the first bad event; the report holds the finding.
absl::Status StopScan() { return absl::CancelledError("replay found a difference"); }

// Stored bytes for a problem message (Debian's absl::string_view is not
// std::string_view, hence the spelled-out conversions).
std::string Hex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}
std::string Escaped(std::string_view bytes) {
  return absl::CEscape(absl::string_view(bytes.data(), bytes.size()));
}

// What replay keeps of each customer beside its state: the last event that
// touched it, to blame a difference on, and the balances of its own
// accounts summed from the postings, to be matched against the folded state
// (docs/accounting.md).
struct CustomerAudit {
  uint64_t last_seq = 0;
  int64_t lots = 0;
  int64_t held = 0;
  int64_t refund_pending = 0;
};

// The checks one event goes through, in the order a single thread runs
// them: two problems found in the same event are ranked by it.
enum class Stage { kStateless = 0, kKey = 1, kDecision = 2, kApply = 3 };

// The first problem a fold worker found, and where the log stood then.
struct Finding {
  uint64_t seq = 0;
  Stage stage = Stage::kStateless;
  std::string problem;
  uint64_t events = 0;    // events passed before it
  uint64_t last_seq = 0;  // the seq of the last of them
};

// Why folding customers apart gives what one fold gives. Decide reads of
// the state only the command's own customer (FindCustomer) and the policy
// versions (InForceAt, last_set_at_us); the rules read ctx.customer and
// ctx.policy, never another customer. ApplyEvent changes only the event's
// customer, or for a set_policy only the policy versions, and reads
// last_seq for the sequence check. So each worker owns the customers whose
// id hashes to it and folds, in log order, their events and every
// set_policy event: when it judges an event, its customer's state and its
// policy book are exactly those a single fold would hold then (the policy
// book holds the versions of the set_policy events before it in the log,
// no more), and last_seq is set to the seq of the event before it in the
// log. The idempotency keys are split the same way by a hash of the key,
// so a key logged twice meets itself in one worker, in log order. Every
// worker sees every event (it skips the others' cheaply), so each one's
// first finding, its count of events passed and its last seq are what a
// single fold would have at that event; the first finding in log order
// over all workers (ties in one event broken by Stage) is the one a single
// fold reports, and it stopped there.
struct FoldShard {
  LedgerState state;  // its customers, and every policy version
  absl::flat_hash_map<std::string, CustomerAudit> audits;
  // A key used twice is found without keeping every key: the first seq of
  // each key's hash, and the keys whose hash an earlier, other key had.
  // A hash seen before is confirmed against the event it came from.
  absl::flat_hash_map<uint64_t, uint64_t> first_seq_of_key_hash;
  absl::flat_hash_map<std::string, uint64_t> keys_of_shared_hashes;
  KeyIndexDigest logged_keys;  // the records its keys imply
  // Where the log stood after the last event passed (every event, the
  // others' too).
  uint64_t events = 0;
  uint64_t last_seq = 0;
  std::string last_hash = std::string(kHashBytes, '\0');
  std::optional<Finding> finding;
  absl::Status error;   // the log could not be read
  v1::Event judged;     // CheckDecision's scratch
  std::string stored_bytes, judged_bytes;  // SameMessages' scratch
};

class Replayer {
 public:
  Replayer(const Store& store, const ReplayOptions& options)
      : store_(store), options_(options) {}
  // The shards' states are freed on as many threads as built them.
  ~Replayer();

  absl::StatusOr<ReplayReport> Run() {
    RETURN_IF_ERROR(ResolveTarget());
    const bool parallel = threads_ > 1;
    // The stored idempotency index is digested while the log is replayed,
    // when there is more than one thread; the thread is joined before the
    // digests are compared (or on return).
    std::jthread stored_keys_scan;
    if (report_.full && parallel) {
      stored_keys_scan = std::jthread([this] { DigestStoredKeys(); });
    }
    CustomerIndexCheck customer_index(store_, report_.full, parallel);
    RETURN_IF_ERROR(ReplayLog());
    report_.last_seq = last_seq_;  // how far the rebuild got
    if (!report_.problem.empty()) return report_;
    if (report_.full) {
      RETURN_IF_ERROR(CheckMeta());
      if (report_.problem.empty()) RETURN_IF_ERROR(CheckProjections());
      if (parallel) {
        stored_keys_scan.join();
      } else {
        DigestStoredKeys();
      }
      if (report_.problem.empty()) RETURN_IF_ERROR(CheckKeys());
      RETURN_IF_ERROR(customer_index.Finish(last_seq_, report_));
    } else if (report_.events < target_) {
      // The head promised this event, but the log ends before it.
      Fail(report_.events + 1,
           absl::StrCat("event ", report_.events + 1,
                        " is missing: the log ends at seq ", report_.events))
          .IgnoreError();  // the report holds the finding
    }
    if (report_.problem.empty()) CheckAccounts();
    report_.customers = CustomerCount();
    report_.ok = report_.problem.empty();
    return report_;
  }

  // The rebuilt state, the shards' customers in one map; call once, after
  // Run.
  std::unique_ptr<LedgerState> TakeState();

 private:
  // Records the first problem found (later ones are consequences of it).
  void Record(uint64_t seq, std::string problem) {
    if (report_.problem.empty()) {
      report_.first_bad_seq = seq;
      report_.problem = std::move(problem);
    }
  }
  // Record, then the status that stops a scan over the store.
  absl::Status Fail(uint64_t seq, std::string problem) {
    Record(seq, std::move(problem));
    return StopScan();
  }

  absl::Status ResolveTarget();
  absl::Status LastSeqAtOrBefore(int64_t at_us, uint64_t head_seq);
  absl::Status ReplayLog();
  void Fold(int worker, CheckedEventStream& stream);
  void ReportProgressWhileFolding();
  absl::Status Consume(int worker, FoldShard& shard, const CheckedEvent& checked);
  absl::Status Find(FoldShard& shard, uint64_t seq, Stage stage,
                    std::string problem);
  absl::Status CheckKeyUnused(FoldShard& shard, uint64_t seq,
                              const std::string& key);
  absl::StatusOr<std::string> KeyOfEvent(uint64_t seq) const;
  absl::Status FoldAndCheckFollowUp(FoldShard& shard, uint64_t seq,
                                    const v1::Event& event);
  absl::Status CheckDecision(FoldShard& shard, uint64_t seq,
                             const v1::Event& event);
  static void AddPostings(FoldShard& shard, uint64_t seq, const v1::Event& event);
  absl::Status MergeShards();
  size_t ShardOf(std::string_view id) const {
    return threads_ == 1 ? 0
                         : absl::HashOf(absl::string_view(id.data(), id.size())) %
                               static_cast<size_t>(threads_);
  }
  const CustomerState* FindCustomer(const std::string& id) const {
    return shards_[ShardOf(id)]->state.FindCustomer(id);
  }
  const CustomerAudit* FindAudit(std::string_view id) const;
  const PolicyBook& policies() const { return shards_[0]->state.policies; }
  size_t CustomerCount() const;
  absl::Status CheckMeta();
  absl::Status HeadDiffers(std::optional<std::string_view> stored);
  // What one key range of the stored projections gave: the first
  // difference in it, or the scan's error, and the entries read.
  struct ProjectionRange {
    uint64_t bad_seq = 0;
    std::string problem;
    absl::Status status;
    size_t stored = 0;
  };
  absl::Status CheckProjections();
  std::string CustomerNearTheMiddle() const;
  ProjectionRange CheckProjectionRange(
      std::string_view from, std::optional<std::string_view> until) const;
  void EncodeOwner(const std::string& owner,
                   absl::flat_hash_map<std::string, std::string>& out) const;
  size_t EntityCount() const;
  absl::Status NameMissingProjection();
  void DigestStoredKeys();
  absl::Status CheckKeys();
  absl::Status FindKeyDifference();
  void CheckAccounts();

  const Store& store_;
  const ReplayOptions& options_;
  int threads_ = 1;  // fold workers, one shard each
  // The last event to fold (a partial replay) or the stored head's seq (a
  // full one, for the progress total only: a full replay reads to the end).
  uint64_t target_ = 0;
  std::vector<std::unique_ptr<FoldShard>> shards_;
  ReplayReport report_;
  // The last event folded, and its stored hash.
  uint64_t last_seq_ = 0;
  std::string prev_hash_ = std::string(kHashBytes, '\0');
  // A finding's seq, once one is found: the workers need go no further.
  std::atomic<uint64_t> stop_after_{UINT64_MAX};
  // The keys the log names and those the index stores (written by the
  // DigestStoredKeys thread, read after it is joined).
  KeyIndexDigest logged_keys_;
  KeyIndexDigest stored_keys_;
  absl::Status stored_keys_status_;

  // What the workers tell the calling thread, for options_.progress.
  absl::Mutex progress_mu_;
  std::vector<uint64_t> passed_ ABSL_GUARDED_BY(progress_mu_);  // per worker
  int workers_done_ ABSL_GUARDED_BY(progress_mu_) = 0;
  uint64_t progress_waits_past_ ABSL_GUARDED_BY(progress_mu_) = 0;
  uint64_t progress_reported_ = 0;  // calling thread only
};

Replayer::~Replayer() {
  // Freeing a state costs about as much as half its folding (a UsageState
  // per use); free the shards on as many threads as folded them.
  std::vector<std::jthread> freeing;
  for (size_t i = 1; i < shards_.size(); ++i) {
    freeing.emplace_back([shard = std::move(shards_[i])]() mutable { shard.reset(); });
  }
  shards_.clear();
}

// Decides where the replay stops, and refuses a point the log cannot have.
absl::Status Replayer::ResolveTarget() {
  if (options_.until_seq.has_value() && options_.as_of_us.has_value()) {
    return absl::InvalidArgumentError(
        "give either a sequence number or a time to replay to, not both");
  }
  if (options_.threads < 0 || options_.threads > kMaxReplayThreads) {
    return absl::InvalidArgumentError(absl::StrCat(
        "replay threads must be 0 (one per core) to ", kMaxReplayThreads,
        ", not ", options_.threads));
  }
  threads_ = options_.threads != 0
                 ? options_.threads
                 : std::clamp(static_cast<int>(std::thread::hardware_concurrency()),
                              1, kMaxReplayThreads);
  for (int i = 0; i < threads_; ++i) {
    shards_.push_back(std::make_unique<FoldShard>());
  }
  ASSIGN_OR_RETURN(v1::HeadRecord head, store_.ReadHead());
  report_.full = !options_.until_seq.has_value() && !options_.as_of_us.has_value();
  target_ = head.seq();
  if (options_.until_seq.has_value()) {
    if (*options_.until_seq > head.seq()) {
      return absl::OutOfRangeError(absl::StrCat(
          "seq ", *options_.until_seq, " is past the head of the log (seq ",
          head.seq(), ")"));
    }
    target_ = *options_.until_seq;
  }
  if (options_.as_of_us.has_value()) {
    return LastSeqAtOrBefore(*options_.as_of_us, head.seq());
  }
  return absl::OkStatus();
}

// A first pass over the log for the last event whose `at` is at or before
// `at_us`. Events of different customers may be logged out of time order,
// so the whole log up to the head is read; an event that cannot be read
// stops the pass, as the replay that follows would not get past it either.
absl::Status Replayer::LastSeqAtOrBefore(int64_t at_us, uint64_t head_seq) {
  target_ = 0;
  absl::Status scanned = store_.ForEachEvent(
      1, [&](std::string_view key, std::string_view value) {
        absl::StatusOr<uint64_t> seq = DecodeEventKey(key);
        if (!seq.ok()) return seq.status();
        if (*seq > head_seq) return StopScan();
        v1::Event event;
        if (value.size() < kHashBytes ||
            !event.ParseFromArray(value.data() + kHashBytes,
                                  static_cast<int>(value.size() - kHashBytes))) {
          return Fail(*seq, "event does not parse");
        }
        if (event.header().at_us() <= at_us) target_ = *seq;
        return absl::OkStatus();
      });
  if (!report_.problem.empty() || absl::IsCancelled(scanned)) {
    return absl::OkStatus();
  }
  return scanned;
}

// A reader thread scans the log; threads_ workers check its batches
// (CheckedEventStream) and fold them, each its own customers (FoldShard);
// this thread reports progress, then takes the first finding in log order.
absl::Status Replayer::ReplayLog() {
  if (!report_.problem.empty()) return absl::OkStatus();  // the first pass failed
  {
    absl::MutexLock lock(&progress_mu_);
    passed_.assign(static_cast<size_t>(threads_), 0);
  }
  {
    CheckedEventStream stream(
        store_, report_.full ? std::nullopt : std::optional<uint64_t>(target_),
        /*checkers=*/0, /*consumers=*/threads_);
    std::vector<std::jthread> workers;
    for (int w = 0; w < threads_; ++w) {
      workers.emplace_back([this, w, &stream] { Fold(w, stream); });
    }
    if (options_.progress) ReportProgressWhileFolding();
    workers.clear();  // joins them
    RETURN_IF_ERROR(MergeShards());
    if (report_.problem.empty()) RETURN_IF_ERROR(stream.status());
  }
  if (options_.progress) {
    while (progress_reported_ < report_.events) {
      options_.progress(++progress_reported_, target_);
    }
  }
  return absl::OkStatus();
}

// One worker: every event, in log order, through the checks of its share.
void Replayer::Fold(int worker, CheckedEventStream& stream) {
  FoldShard& shard = *shards_[static_cast<size_t>(worker)];
  for (absl::Span<const CheckedEvent> batch = stream.Next(worker);
       !batch.empty(); batch = stream.Next(worker)) {
    bool stop = false;
    for (const CheckedEvent& checked : batch) {
      // Past another worker's finding nothing can come first.
      if (checked.seq > stop_after_.load(std::memory_order_relaxed) ||
          !Consume(worker, shard, checked).ok()) {
        stop = true;
        break;
      }
    }
    absl::MutexLock lock(&progress_mu_);
    passed_[static_cast<size_t>(worker)] = shard.events;
    if (stop) break;
  }
  stream.Leave(worker);
  absl::MutexLock lock(&progress_mu_);
  ++workers_done_;
}

// Calls options_.progress for each event every worker has passed: none has
// found a problem in it, so one fold would have folded it.
void Replayer::ReportProgressWhileFolding() {
  while (true) {
    uint64_t passed = 0;
    bool done = false;
    {
      absl::MutexLock lock(&progress_mu_);
      // The condition may be evaluated on a worker's thread: it reads only
      // what the lock guards.
      progress_waits_past_ = progress_reported_;
      auto may_go = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(progress_mu_) {
        return workers_done_ == threads_ ||
               *std::min_element(passed_.begin(), passed_.end()) >
                   progress_waits_past_;
      };
      progress_mu_.Await(absl::Condition(&may_go));
      passed = *std::min_element(passed_.begin(), passed_.end());
      done = workers_done_ == threads_;
    }
    while (progress_reported_ < passed) {
      options_.progress(++progress_reported_, target_);
    }
    if (done) return;
  }
}

// The workers are joined: the first finding in log order is the report's;
// else every worker passed every event, and their key digests add up to
// the log's.
absl::Status Replayer::MergeShards() {
  const Finding* first = nullptr;
  for (const auto& shard : shards_) {
    RETURN_IF_ERROR(shard->error);
  }
  for (const auto& shard : shards_) {
    if (!shard->finding.has_value()) continue;
    const Finding& f = *shard->finding;
    if (first == nullptr || f.seq < first->seq ||
        (f.seq == first->seq && f.stage < first->stage)) {
      first = &f;
    }
  }
  if (first != nullptr) {
    Record(first->seq, first->problem);
    report_.events = first->events;
    last_seq_ = first->last_seq;
    return absl::OkStatus();
  }
  const FoldShard& any = *shards_[0];
  report_.events = any.events;
  last_seq_ = any.last_seq;
  prev_hash_ = any.last_hash;
  for (const auto& shard : shards_) {
    LEDGER_CHECK(shard->events == any.events)
        << "a replay worker stopped early without a finding";
    logged_keys_.Merge(shard->logged_keys);
  }
  return absl::OkStatus();
}

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
    RETURN_IF_ERROR(CheckDecision(shard, checked.seq, event));
    // The shard has not folded the others' events: its last_seq is the
    // log's.
    shard.state.last_seq = shard.last_seq;
    RETURN_IF_ERROR(FoldAndCheckFollowUp(shard, checked.seq, event));
    AddPostings(shard, checked.seq, event);
  }
  shard.last_seq = h.seq();
  shard.last_hash.assign(checked.hash.data(), checked.hash.size());
  ++shard.events;
  return absl::OkStatus();
}

// A key names one command: a second event with it is a second acceptance.
absl::Status Replayer::CheckKeyUnused(FoldShard& shard, uint64_t seq,
                                      const std::string& key) {
  auto [first, inserted] =
      shard.first_seq_of_key_hash.try_emplace(absl::HashOf(key), seq);
  if (inserted) return absl::OkStatus();
  absl::StatusOr<std::string> earlier = KeyOfEvent(first->second);
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

// Folds the event's own effects (CheckDecision's judgement left their
// number in shard.judged), decides its follow-up effects again from the
// state they leave, as the writer did (rules/follow_up.h), requires the
// stored ones to be exactly those, and folds them. A flipped alert state
// or a made-up or missing top-up request in the log is found here.
absl::Status Replayer::FoldAndCheckFollowUp(FoldShard& shard, uint64_t seq,
                                            const v1::Event& event) {
  const int own = shard.judged.effects_size();
  absl::Status applied = ApplyEventEffects(event, own, shard.state, nullptr);
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
    applied = ApplyFollowUpEffects(event, own, shard.state, nullptr);
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

// The meta family must hold the format marker and, once an event is logged,
// the head naming the last event, each byte for byte as stored by the
// writer, and nothing else but a well-formed applied position and delivery
// cursors. (Store::Open already refuses a ledger whose
// format marker differs; it is compared here too so that replay names every
// record it checks.)
absl::Status Replayer::CheckMeta() {
  const std::string head = EncodeHead(last_seq_, prev_hash_);
  bool head_seen = false;
  absl::Status scanned = store_.ForEachMetaEntry(
      [&](std::string_view key, std::string_view value) {
        if (key == kHeadKey) {
          head_seen = true;
          return value == head ? absl::OkStatus() : HeadDiffers(value);
        }
        if (key == kAppliedPositionKey) {
          // A cluster replica's log position (docs/cluster.md): no event
          // names it, so only its form can be checked.
          absl::StatusOr<uint64_t> position = DecodeAppliedPosition(value);
          if (position.ok()) return absl::OkStatus();
          return Fail(0, absl::StrCat("the stored applied position (",
                                      Hex(value), ") is malformed: ",
                                      position.status().message()));
        }
        if (key.starts_with(kDeliveryCursorPrefix)) {
          // How far a consumer downstream got (Ledger::SetDeliveryCursor):
          // not a fact of the ledger and outside the hash chain, so only
          // its form is checked, and that it names no event past the log.
          absl::StatusOr<uint64_t> cursor = DecodeDeliveryCursor(value);
          if (!cursor.ok()) {
            return Fail(0, absl::StrCat("the stored delivery cursor '",
                                        Escaped(key), "' (", Hex(value),
                                        ") is malformed: ",
                                        cursor.status().message()));
          }
          if (*cursor > last_seq_) {
            return Fail(0, absl::StrCat("the stored delivery cursor '",
                                        Escaped(key), "' names seq ", *cursor,
                                        ", past the end of the log (seq ",
                                        last_seq_, ")"));
          }
          return absl::OkStatus();
        }
        if (key == kFormatKey) {
          if (value == kFormatValue) return absl::OkStatus();
          return Fail(0, absl::StrCat("the stored format marker '",
                                      Escaped(value), "' is not '",
                                      kFormatValue, "'"));
        }
        return Fail(0, absl::StrCat("stored meta record '", Escaped(key),
                                    "' has no event behind it"));
      });
  if (!report_.problem.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(scanned);
  // A ledger with no event has no head yet.
  if (!head_seen && last_seq_ != 0) HeadDiffers(std::nullopt).IgnoreError();
  return absl::OkStatus();
}

// Records how the stored head (nullopt: none) differs from the log's end:
// blamed on the first event the two disagree about when it names another
// event, else (extra bytes, an unknown field, or no parse) on no one event.
absl::Status Replayer::HeadDiffers(std::optional<std::string_view> stored) {
  v1::HeadRecord head;  // none stored: seq 0, as Store::ReadHead reads it
  if (stored.has_value() &&
      !head.ParseFromArray(stored->data(), static_cast<int>(stored->size()))) {
    return Fail(0, absl::StrCat("the stored head (",
                                Hex(*stored),
                                ") does not parse"));
  }
  if (head.seq() != last_seq_ || head.hash() != prev_hash_) {
    return Fail(std::min<uint64_t>(head.seq(), last_seq_) + 1,
                absl::StrCat("the stored head (seq ", head.seq(), ", hash ",
                             absl::BytesToHexString(head.hash()),
                             ") is not the end of the log (seq ",
                             last_seq_, ", hash ",
                             absl::BytesToHexString(prev_hash_), ")"));
  }
  return Fail(0, absl::StrCat("the stored head (",
                              Hex(*stored),
                              ") names the end of the log but is not stored "
                              "as the writer stores it (",
                              absl::BytesToHexString(
                                  EncodeHead(last_seq_, prev_hash_)),
                              ")"));
}

// Compares the rebuilt projections with the stored ones: every stored entry
// must be the encoding of a rebuilt entity, and there must be as many stored
// entries as rebuilt entities. A difference is blamed on the last event of
// the customer it belongs to. The stored entries are read in two halves at
// once, split at a customer near the middle; the first difference in key
// order is the one reported, as a single pass would.
absl::Status Replayer::CheckProjections() {
  // One thread: one range, on this thread.
  const std::string middle = threads_ > 1 ? CustomerNearTheMiddle() : "";
  ProjectionRange low;
  ProjectionRange high;
  if (middle.empty()) {
    low = CheckProjectionRange("", std::nullopt);
  } else {
    std::thread upper([&] { high = CheckProjectionRange(middle, std::nullopt); });
    low = CheckProjectionRange("", middle);
    upper.join();
  }
  for (const ProjectionRange* range : {&low, &high}) {
    if (!range->problem.empty()) {
      Record(range->bad_seq, range->problem);
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(range->status);
  }
  if (low.stored + high.stored != EntityCount()) return NameMissingProjection();
  return absl::OkStatus();
}

// Every stored entry matched a rebuilt one, but fewer are stored: an owner
// (a customer, or the policy versions) has none stored at all, which the
// range scans, seeing only owners with stored entries, cannot name. List
// every rebuilt key, holding them all as the index's second pass does (this
// is the failure path), and name the first missing in key order.
absl::Status Replayer::NameMissingProjection() {
  std::vector<std::string> rebuilt;
  auto put = [&](std::string key, std::string) {
    rebuilt.push_back(std::move(key));
  };
  for (const v1::PolicyState& p : policies().versions()) EncodePolicy(p, put);
  for (const auto& shard : shards_) {
    for (const auto& [id, customer] : shard->state.customers) {
      EncodeCustomer(customer, nullptr, put);
    }
  }
  std::sort(rebuilt.begin(), rebuilt.end());
  size_t next = 0;  // stored keys are a subset of `rebuilt`, in order
  absl::Status scanned = store_.ForEachStateEntry(
      [&](std::string_view key, std::string_view) {
        if (next < rebuilt.size() && rebuilt[next] == key) {
          ++next;
          return absl::OkStatus();
        }
        return StopScan();
      });
  if (!absl::IsCancelled(scanned)) RETURN_IF_ERROR(scanned);
  if (next == rebuilt.size()) {  // not reached: the counts differed
    Record(0, "projections of the log are missing from the store");
    return absl::OkStatus();
  }
  const std::string& missing = rebuilt[next];
  const CustomerAudit* audit = FindAudit(missing.substr(0, missing.find('\0')));
  Record(audit == nullptr ? 0 : audit->last_seq,
         absl::StrCat("projection ", Escaped(missing),
                      " is missing from the store"));
  return absl::OkStatus();
}

// A customer id near the median of them all, from a sample (the hash map's
// order is as good as random); "" with fewer than two customers.
std::string Replayer::CustomerNearTheMiddle() const {
  constexpr size_t kSample = 1024;
  std::vector<std::string_view> sample;
  for (const auto& shard : shards_) {
    for (const auto& [id, customer] : shard->state.customers) {
      if (sample.size() == kSample) break;
      sample.emplace_back(id);
    }
  }
  if (sample.size() < 2) return "";
  auto middle = sample.begin() + sample.size() / 2;
  std::nth_element(sample.begin(), middle, sample.end());
  return std::string(*middle);
}

// The stored entries with keys from `from` up to (not including) `until`.
// A customer's entries all sort together (its id, then '\0'), and customer
// ids sort as their keys do, so a customer id splits the entries cleanly.
Replayer::ProjectionRange Replayer::CheckProjectionRange(
    std::string_view from, std::optional<std::string_view> until) const {
  ProjectionRange out;
  auto blame = [&](std::string_view key) -> uint64_t {
    std::string customer(key.substr(0, key.find('\0')));
    const CustomerAudit* audit = FindAudit(customer);
    return audit == nullptr ? 0 : audit->last_seq;
  };
  auto fail = [&](std::string_view key, std::string problem) {
    out.bad_seq = blame(key);
    out.problem = std::move(problem);
    return StopScan();
  };
  // Customers are encoded one at a time, as their entries come up in key
  // order, so only one customer's encoding is held at once.
  absl::flat_hash_map<std::string, std::string> rebuilt;
  auto missing = [&] {
    const std::string& key = rebuilt.begin()->first;
    return fail(key, absl::StrCat("projection ", absl::CEscape(key),
                                  " is missing from the store"));
  };
  std::string current;
  bool started = false;
  absl::Status scanned = store_.ForEachStateEntry(
      [&](std::string_view key, std::string_view value) {
        if (until.has_value() && key >= *until) return StopScan();
        ++out.stored;
        std::string owner(key.substr(0, key.find('\0')));
        if (!started || owner != current) {
          if (!rebuilt.empty()) return missing();
          started = true;
          current = owner;
          EncodeOwner(owner, rebuilt);
        }
        auto it = rebuilt.find(absl::string_view(key.data(), key.size()));
        if (it == rebuilt.end()) {
          return fail(key, absl::StrCat("stored projection ",
                                        absl::CEscape(std::string(key)),
                                        " has no event behind it"));
        }
        if (it->second != value) {
          return fail(key, absl::StrCat("stored projection ",
                                        absl::CEscape(std::string(key)),
                                        " differs from the log"));
        }
        rebuilt.erase(it);
        return absl::OkStatus();
      },
      from);
  if (!out.problem.empty()) return out;
  if (!absl::IsCancelled(scanned)) out.status = scanned;
  if (out.status.ok() && !rebuilt.empty()) missing().IgnoreError();
  return out;
}

// Encodes the rebuilt entities of one owner: a customer, or "" for the
// policy versions.
void Replayer::EncodeOwner(
    const std::string& owner,
    absl::flat_hash_map<std::string, std::string>& out) const {
  auto put = [&](std::string key, std::string value) {
    out.emplace(std::move(key), std::move(value));
  };
  if (owner.empty()) {
    for (const v1::PolicyState& p : policies().versions()) EncodePolicy(p, put);
    return;
  }
  const CustomerState* customer = FindCustomer(owner);
  if (customer != nullptr) EncodeCustomer(*customer, nullptr, put);
}

size_t Replayer::EntityCount() const {
  size_t count = policies().versions().size();
  for (const auto& shard : shards_) {
    for (const auto& [id, c] : shard->state.customers) {
      count += 1 + c.lots.size() + c.holds.size() + c.usages.size() + c.refunds.size();
    }
  }
  return count;
}

const CustomerAudit* Replayer::FindAudit(std::string_view id) const {
  const auto& audits = shards_[ShardOf(id)]->audits;
  auto it = audits.find(absl::string_view(id.data(), id.size()));
  return it == audits.end() ? nullptr : &it->second;
}

size_t Replayer::CustomerCount() const {
  size_t count = 0;
  for (const auto& shard : shards_) count += shard->state.customers.size();
  return count;
}

std::unique_ptr<LedgerState> Replayer::TakeState() {
  auto state = std::make_unique<LedgerState>();
  state->customers.reserve(CustomerCount());
  for (auto& shard : shards_) {
    auto& customers = shard->state.customers;
    while (!customers.empty()) {
      state->customers.insert(customers.extract(customers.begin()));
    }
  }
  state->policies = std::move(shards_[0]->state.policies);
  state->last_seq = last_seq_;
  return state;
}

void Replayer::DigestStoredKeys() {
  stored_keys_status_ = store_.ForEachKeyBytes(
      [&](std::string_view key, std::string_view value) {
        stored_keys_.Add(key, value);
        return absl::OkStatus();
      });
}

// The stored idempotency index must hold exactly one record per event, the
// bytes the writer stored for it: its seq and its command's fingerprint.
absl::Status Replayer::CheckKeys() {
  RETURN_IF_ERROR(stored_keys_status_);
  if (stored_keys_ == logged_keys_) return absl::OkStatus();
  return FindKeyDifference();
}

// The seq a stored idempotency record names, 0 when it does not parse: what
// a record with no event behind it is blamed on.
uint64_t SeqNamedBy(std::string_view stored) {
  v1::KeyRecord record;
  if (!record.ParseFromArray(stored.data(), static_cast<int>(stored.size()))) {
    return 0;
  }
  return record.seq();
}

// The index differs from the log: read both again, keeping every key with
// the record its event implies this time, to name the first record that
// differs.
absl::Status Replayer::FindKeyDifference() {
  struct Implied {
    uint64_t seq = 0;
    std::string record;
  };
  absl::flat_hash_map<std::string, Implied> logged;
  StoredEventDecoder decoder(store_);
  RETURN_IF_ERROR(store_.ForEachEvent(
      1, [&](std::string_view key, std::string_view value) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Event event, decoder.Next(key, value));
        const v1::EventHeader& h = event.header();
        logged[h.key()] = {h.seq(), EncodeKeyRecord(h.seq())};
        return absl::OkStatus();
      }));
  absl::Status scanned = store_.ForEachKeyBytes(
      [&](std::string_view key, std::string_view value) {
        auto it = logged.find(std::string(key));
        if (it == logged.end()) {
          return Fail(SeqNamedBy(value),
                      absl::StrCat("idempotency record of key '",
                                   std::string(key),
                                   "' has no event behind it"));
        }
        if (it->second.record != value) {
          return Fail(it->second.seq,
                      absl::StrCat("idempotency record of key '",
                                   std::string(key),
                                   "' does not match the log (stored ",
                                   Hex(value),
                                   ", the log implies ",
                                   absl::BytesToHexString(it->second.record),
                                   ")"));
        }
        logged.erase(it);
        return absl::OkStatus();
      });
  if (!report_.problem.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(scanned);
  if (!logged.empty()) {
    auto first = std::min_element(
        logged.begin(), logged.end(), [](const auto& a, const auto& b) {
          return a.second.seq < b.second.seq;
        });
    Record(first->second.seq, absl::StrCat("idempotency record of key '",
                                           first->first, "' is missing"));
  }
  return absl::OkStatus();
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

}  // namespace

absl::StatusOr<ReplayReport> ReplayLedger(const std::string& dir) {
  return ReplayLedger(dir, ReplayOptions());
}

absl::StatusOr<ReplayReport> ReplayLedger(const std::string& dir,
                                          const ReplayOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  Replayer replayer(*store, options);
  return replayer.Run();
}

absl::StatusOr<std::unique_ptr<LedgerState>> RebuildState(
    const std::string& dir, const ReplayOptions& options,
    ReplayReport* report) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  Replayer replayer(*store, options);
  ASSIGN_OR_RETURN(ReplayReport done, replayer.Run());
  if (report != nullptr) *report = done;
  if (!done.ok) {
    // A state folded from a log that fails its checks is no state to show.
    return absl::DataLossError(
        done.first_bad_seq == 0
            ? done.problem
            : absl::StrCat("event ", done.first_bad_seq, ": ", done.problem));
  }
  return replayer.TakeState();
}

absl::StatusOr<Balance> BalanceAsOfSeq(const std::string& dir,
                                       const std::string& customer,
                                       int64_t at_us, uint64_t seq) {
  ReplayOptions options;
  options.until_seq = seq;
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerState> state,
                   RebuildState(dir, options));
  const CustomerState* c = state->FindCustomer(customer);
  if (c == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown customer '", customer,
                                            "' at seq ", seq));
  }
  return ComputeBalance(*c, state->policies, at_us);
}

}  // namespace ledger
