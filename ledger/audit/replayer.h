// The replay behind ledger/replay.h, one class defined across the files of
// its three parts (as RocksDB defines DBImpl across db_impl_*.cc):
//   replay.cc            the public calls, where a replay stops, the order
//                        of the parts (Replayer::Run);
//   replay_log.cc        reading the log: the reader and the fold workers,
//                        progress, and merging the workers' findings;
//   replay_fold.cc       judging and folding one event: the key's first
//                        use, the decision again, the follow-up effects,
//                        the customer's own accounts;
//   replay_compare.cc    comparing with the store: the meta records, the
//                        projections, the idempotency index, the accounts,
//                        all called from Replayer::CompareWithStore.
// Internal to ledger/audit: nothing outside it includes this header.
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_REPLAYER_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_REPLAYER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/audit/checked_event_stream.h"
#include "ledger/audit/customer_index_check.h"
#include "ledger/audit/key_index_digest.h"
#include "ledger/audit/spill_filter.h"
#include "ledger/audit/spilled_usages.h"
#include "ledger/base/sha256.h"
#include "ledger/replay.h"
#include "ledger/storage/store.h"
#include "projections/ledger_state.h"

namespace ledger {
namespace replay_internal {

// Stops a scan at the first bad event; the report holds the finding.
absl::Status StopScan();

// Stored bytes for a problem message.
std::string Hex(std::string_view bytes);
std::string Escaped(std::string_view bytes);

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
  FoldShard(const AuditMemory& memory, int shards);
  // Sizes its two spill filters for about `events` events to fold (its
  // share of the log), before the first, and chooses the sorted runs its
  // scratch database lets be before it merges: more
  // (ScratchDb::kSortedRunsWhenLookupsAreRare) when both filters hold
  // what they expect at their full bits an entry, so that nearly every
  // absent key is answered without a lookup (at ten million events with
  // the default budget, where the rewriting of twelve runs was a sixth
  // of the replay's CPU); else ScratchDb::kSortedRuns, as when a tight
  // budget leaves its filters short and every wrong "maybe" probes every
  // run.
  void ExpectEvents(size_t events);

  LedgerState state;  // its customers, and every policy version
  // Its usages past its share of the memory budget, in a scratch database
  // of its own (made at the first spill), where its spilled key hashes go
  // too.
  SpilledUsages usages;
  TouchedEntities touched;  // the fold's scratch, for `usages`
  absl::flat_hash_map<std::string, CustomerAudit> audits;
  // A key used twice is found without keeping every key: the first seq of
  // each key's hash, and the keys whose hash an earlier, other key had.
  // A hash seen before is confirmed against the event it came from.
  absl::flat_hash_map<uint64_t, uint64_t> first_seq_of_key_hash;
  absl::flat_hash_map<std::string, uint64_t> keys_of_shared_hashes;
  // Past this many hashes held, they are written to the scratch database
  // and looked up there too.
  size_t max_key_hashes = 0;
  bool key_hashes_spilled = false;
  SpillFilter spilled_key_hashes;  // looked up in the scratch only on a hit
  KeyIndexDigest logged_keys;  // the records its keys imply
  // The customer index entries its customers' events imply
  // (CustomerIndexCheck::AddImplied).
  KeyIndexDigest logged_customer_events;
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

  // Reads and folds the log, then (for a full replay) compares with the
  // store; the report holds the first problem found.
  absl::StatusOr<ReplayReport> Run();

  // The rebuilt state, the shards' customers in one map, with every usage
  // read back from the scratch databases; call once, after Run.
  absl::StatusOr<std::unique_ptr<LedgerState>> TakeState();

 private:
  // Records the first problem found (later ones are consequences of it).
  void Record(uint64_t seq, std::string problem);
  // Record, then the status that stops a scan over the store.
  absl::Status Fail(uint64_t seq, std::string problem);

  // replay.cc: where the replay stops.
  absl::Status ResolveTarget();
  absl::Status LastSeqAtOrBefore(int64_t at_us, uint64_t head_seq);

  // replay_log.cc: reading the log.
  absl::Status ReplayLog();
  void Fold(int worker, CheckedEventStream& stream);
  void ReportProgressWhileFolding();
  absl::Status MergeShards();

  // replay_fold.cc: judging and folding one event.
  absl::Status Consume(int worker, FoldShard& shard, const CheckedEvent& checked);
  absl::Status Find(FoldShard& shard, uint64_t seq, Stage stage,
                    std::string problem);
  absl::Status CheckKeyUnused(FoldShard& shard, uint64_t seq,
                              const std::string& key);
  // The seq of the first event whose key had `hash`, when one had; else
  // records `seq` as that first event.
  absl::StatusOr<std::optional<uint64_t>> SeenKeyHash(FoldShard& shard,
                                                      uint64_t hash,
                                                      uint64_t seq);
  absl::StatusOr<std::string> KeyOfEvent(uint64_t seq) const;
  absl::Status FoldAndCheckFollowUp(FoldShard& shard, uint64_t seq,
                                    const v1::Event& event);
  absl::Status CheckDecision(FoldShard& shard, uint64_t seq,
                             const v1::Event& event);
  static void AddPostings(FoldShard& shard, uint64_t seq, const v1::Event& event);
  // Each customer's accounts, summed from its postings, against its folded
  // state (after the fold, full or partial replay alike).
  void CheckAccounts();

  // The shard that owns a customer or an idempotency key.
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

  // replay_compare.cc: comparing with the store.
  // Every comparison of a full replay with the store, in the order their
  // findings rank. `stored_keys_scan`, when joinable, is digesting the
  // stored idempotency index (DigestStoredKeys) beside the fold; it is
  // joined before the digests are compared, else the digest is taken here;
  // `customer_index` digests the stored customer index likewise.
  absl::Status CompareWithStore(std::jthread& stored_keys_scan,
                                CustomerIndexCheck& customer_index);
  // Every customer the fold rebuilt, with the seq of its last event (what
  // a difference in a per-customer record is blamed on).
  void ForEachRebuiltCustomer(
      const std::function<void(const CustomerState&, uint64_t last_seq)>& fn)
      const;
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
  // Encodes the rebuilt entities of one owner (a customer, or "" for the
  // policy versions), its spilled usages too, read through `cursors` (one
  // per shard, made as needed: owners come in key order).
  absl::Status EncodeOwner(
      const std::string& owner,
      std::vector<std::unique_ptr<ScratchDb::Cursor>>& cursors,
      absl::flat_hash_map<std::string, std::string>& out) const;
  size_t EntityCount() const;
  absl::Status NameMissingProjection();
  void DigestStoredKeys();
  absl::Status CheckKeys();
  absl::Status FindKeyDifference();

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
  // The last seq whose event implies a customer index entry
  // (CustomerIndexCheck::implied_through), set before the fold.
  uint64_t customer_index_through_ = 0;
  // The customer index entries the log implies, the shards' merged.
  KeyIndexDigest logged_customer_events_;
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

}  // namespace replay_internal
}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_REPLAYER_H_
