// The public calls of ledger/replay.h and ledger/audit/rebuild_state.h,
// where a replay stops, and the order of its parts (ledger/audit/replayer.h
// says which file holds each).
#include "ledger/replay.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/audit/customer_index_check.h"
#include "ledger/audit/rebuild_state.h"
#include "ledger/audit/replayer.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/store.h"
#include "projections/balance.h"

namespace ledger {
namespace replay_internal {

// The budget is shared by the shards: a quarter for the usages they hold
// (about 512 bytes each, in a hash map with their ids), an eighth for the
// key hashes (about 32 bytes each, with the map's slack), a quarter for
// the two spill filters of each shard (an eighth each: their bits grew
// with the history until they were bounded) and a quarter for the scratch
// database; the rest is the log's batches in flight and the customers.
constexpr size_t kBytesPerHeldUsage = 512;
constexpr size_t kBytesPerKeyHash = 32;

FoldShard::FoldShard(const AuditMemory& memory, int shards)
    : usages(memory.scratch_parent, memory.budget_bytes / 4 / shards,
             std::max<size_t>(1, memory.budget_bytes / 4 / shards /
                                     kBytesPerHeldUsage)),
      max_key_hashes(std::max<size_t>(
          1, memory.budget_bytes / 8 / shards / kBytesPerKeyHash)) {
  usages.BoundFilter(memory.budget_bytes / 8 / shards);
  spilled_key_hashes.Bound(memory.budget_bytes / 8 / shards);
}

void FoldShard::ExpectEvents(size_t events) {
  // Each event adds at most one usage and one key; an eighth more for an
  // uneven split of the customers and keys.
  usages.ExpectSpills(events + events / 8);
  spilled_key_hashes.ExpectEntries(events + events / 8);
  usages.SetScratchSortedRuns(usages.filter().ExpectedEntriesFit() &&
                                      spilled_key_hashes.ExpectedEntriesFit()
                                  ? ScratchDb::kSortedRunsWhenLookupsAreRare
                                  : ScratchDb::kSortedRuns);
}

absl::Status StopScan() { return absl::CancelledError("replay found a difference"); }

// Debian's absl::string_view is not std::string_view, hence the spelled-out
// conversions.
std::string Hex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}
std::string Escaped(std::string_view bytes) {
  return absl::CEscape(absl::string_view(bytes.data(), bytes.size()));
}

absl::StatusOr<ReplayReport> Replayer::Run() {
  RETURN_IF_ERROR(ResolveTarget());
  // A shard's share of the events to fold sizes its spill filters once
  // (more still chain, up to each filter's bound).
  const size_t share = static_cast<size_t>(target_) / shards_.size();
  for (const auto& shard : shards_) shard->ExpectEvents(share);
  // The stored idempotency index is digested while the log is replayed,
  // when there is more than one thread; the thread is joined before the
  // digests are compared (or on return).
  std::jthread stored_keys_scan;
  if (report_.full && threads_ > 1) {
    stored_keys_scan = std::jthread([this] { DigestStoredKeys(); });
  }
  // Likewise the stored customer index, on a thread of its own; the fold
  // digests the entries the log implies.
  CustomerIndexCheck customer_index(store_, report_.full, threads_ > 1);
  customer_index_through_ = customer_index.implied_through();
  RETURN_IF_ERROR(ReplayLog());
  report_.last_seq = last_seq_;  // how far the rebuild got
  if (!report_.problem.empty()) return report_;
  if (report_.full) {
    RETURN_IF_ERROR(CompareWithStore(stored_keys_scan, customer_index));
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

void Replayer::Record(uint64_t seq, std::string problem) {
  if (report_.problem.empty()) {
    report_.first_bad_seq = seq;
    report_.problem = std::move(problem);
  }
}

absl::Status Replayer::Fail(uint64_t seq, std::string problem) {
  Record(seq, std::move(problem));
  return StopScan();
}

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
  if (options_.memory.budget_bytes < kMinAuditMemoryBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the replay's memory budget must be at least ", kMinAuditMemoryBytes,
        " bytes, not ", options_.memory.budget_bytes));
  }
  for (int i = 0; i < threads_; ++i) {
    shards_.push_back(std::make_unique<FoldShard>(options_.memory, threads_));
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

absl::StatusOr<std::unique_ptr<LedgerState>> Replayer::TakeState() {
  // The spilled usages come back: a whole state is what is asked for.
  for (auto& shard : shards_) {
    LedgerState& held = shard->state;
    RETURN_IF_ERROR(shard->usages.ForEachSpilledIn(
        "", "", [&](std::string_view key, std::string_view value) {
          const size_t end = key.find('\0');
          const std::string customer(key.substr(0, end));
          const std::string usage_id(key.substr(end + 2));  // after \0U
          v1::UsageState usage;
          RETURN_IF_ERROR(DecodeStoredEntity(usage_id, value, usage));
          held.customers.at(customer).usages.emplace(usage_id, std::move(usage));
          return absl::OkStatus();
        }));
  }
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
}  // namespace replay_internal

absl::StatusOr<ReplayReport> ReplayLedger(const std::string& dir) {
  return ReplayLedger(dir, ReplayOptions());
}

absl::StatusOr<ReplayReport> ReplayLedger(const std::string& dir,
                                          const ReplayOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  replay_internal::Replayer replayer(*store, options);
  return replayer.Run();
}

absl::StatusOr<std::unique_ptr<LedgerState>> RebuildState(
    const std::string& dir, const ReplayOptions& options,
    ReplayReport* report) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadOnly, false));
  replay_internal::Replayer replayer(*store, options);
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
