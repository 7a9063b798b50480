#include "ledger/write_path/ledger_impl.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/arena.h"
#include "ledger/base/check.h"
#include "ledger/command_json.h"
#include "ledger/rules/command_validation.h"
#include "ledger/rules/decide.h"
#include "ledger/rules/follow_up.h"
#include "ledger/write_path/open_with_env.h"
#include "ledger/base/in_slices.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/utf8.h"
#include "ledger/storage/customer_index.h"
#include "ledger/storage/customer_state_read.h"
#include "ledger/storage/disk_space.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/write_path/subscription_impl.h"
#include "ledger/time_util.h"
#include "projections/apply.h"
#include "projections/balance.h"
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

SubmitResult Rejected(std::optional<std::string> key, v1::RejectionCode code,
                      std::string message) {
  SubmitResult r;
  r.key = std::move(key);
  r.outcome = Outcome::kRejected;
  r.code = code;
  r.message = std::move(message);
  return r;
}

std::optional<std::string> KeyOf(const v1::Command& command) {
  if (!command.has_key()) return std::nullopt;
  return command.key();
}

// The stack block each command's event starts its arena in: a `use`'s
// event with its command, effects and postings fits.
constexpr size_t kEventArenaBytes = 4096;

// A batch is prepared on several threads (in_slices.h) before it queues for
// the single writer: preparing needs no state. SubmitJsonBatch parses on up
// to 8 threads of at least 64 lines (a thread costs about 20 us to start,
// one line several us to parse); a batch of commands already built, whose
// preparation (validation, canonical times, the copy, the fingerprint)
// costs about 3 us a command, on threads of at least 128 commands.
constexpr SliceBounds kJsonLineSlices{.min_per_thread = 64, .max_threads = 8};
constexpr SliceBounds kCommandSlices{.min_per_thread = 128, .max_threads = 8};

// A group reads its uncached customers ahead on a thread of their own
// (customer_prefetch.h) when it names at least this many: a thread costs
// about 20 us to start and join, one customer's read several us.
constexpr size_t kMinCustomersReadAhead = 16;

// What every call returns once Close was called.
absl::Status ClosedError() {
  return absl::FailedPreconditionError(
      "the ledger was closed: open it again with Ledger::Open to go on");
}

// docs/contract.md section 16: an actor is recorded in every event it
// issues, so it is bounded like an id and readable in every view.
absl::Status CheckActor(const std::string& actor) {
  if (actor.size() > kMaxIdLength || !IsValidUtf8(actor)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "actor '", IsValidUtf8(actor) ? actor : "(not UTF-8)", "' is not ",
        "at most ", kMaxIdLength, " bytes of UTF-8"));
  }
  return absl::OkStatus();
}

// A zero bound would make every group (or every batch) impossible.
absl::Status CheckOptions(const Options& options) {
  if (options.max_group_commands == 0) {
    return absl::InvalidArgumentError(
        "Options.max_group_commands is 0: a group holds at least one command");
  }
  if (options.max_batch_commands == 0) {
    return absl::InvalidArgumentError(
        "Options.max_batch_commands is 0: a batch may carry at least one command");
  }
  if (options.rejection_retention.count() < 0 ||
      options.rejection_retention > std::chrono::hours(24 * 366 * 1000)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Options.rejection_retention is ", options.rejection_retention.count(),
        " s: it must be 0 (no refusal journal) to 1000 years"));
  }
  return CheckActor(options.actor);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const Options& options,
                                                      const std::string& dir) {
  return OpenLedgerWithEnv(options, dir, nullptr);
}

absl::StatusOr<std::unique_ptr<Ledger>> OpenLedgerWithEnv(
    const Options& options, const std::string& dir, rocksdb::Env* env) {
  return OpenLedgerWithEnv(options, dir, env, StoreTuning());
}

absl::StatusOr<std::unique_ptr<Ledger>> OpenLedgerWithEnv(
    const Options& options, const std::string& dir, rocksdb::Env* env,
    const StoreTuning& tuning) {
  RETURN_IF_ERROR(CheckOptions(options));
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadWrite,
                               options.create_if_missing, env,
                               options.block_cache_bytes, tuning));
  auto ledger = std::make_unique<LedgerImpl>(options, std::move(store));
  RETURN_IF_ERROR(ledger->Restore());
  return std::unique_ptr<Ledger>(std::move(ledger));
}

LedgerImpl::LedgerImpl(const Options& options, std::unique_ptr<Store> store)
    : options_(options),
      store_(std::move(store)),
      journal_(store_.get(), options.rejection_retention) {}

LedgerImpl::~LedgerImpl() {
  // A destructor cannot report: an embedder who wants the status calls
  // Close first (then this does nothing).
  absl::Status closed = Close();
  (void)closed;
}

// Writers already queued are committed (or fail) as usual, so whatever was
// acknowledged is durable; writers that come later are refused. Then every
// query is refused, subscriptions stop reading (Aborted), ReadEvents calls
// in progress finish, and the store is flushed and closed.
absl::Status LedgerImpl::Close() {
  absl::MutexLock close_lock(&close_mu_);
  if (closed_.has_value()) return *closed_;
  {
    absl::MutexLock lock(&queue_mu_);
    closing_ = true;
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
      return queue_.empty() && groups_answering_ == 0;
    };
    queue_mu_.Await(absl::Condition(&drained));
  }
  {
    absl::MutexLock lock(&state_mu_);
    if (failed_.ok()) failed_ = ClosedError();
  }
  // Subscriptions may outlive the ledger: they stop reading the store
  // before it closes.
  if (feed_ != nullptr) feed_->DetachStore();
  absl::MutexLock space_lock(&space_mu_);  // no CheckWritable resumes it now
  absl::MutexLock store_lock(&store_mu_);
  closed_ = store_->Close();
  return *closed_;
}

absl::Status LedgerImpl::Restore() {
  absl::MutexLock lock(&state_mu_);
  RETURN_IF_ERROR(LoadDurable());
  RETURN_IF_ERROR(BuildPendingRefundQueue());
  RETURN_IF_ERROR(BuildCustomerIndex(*store_));  // a ledger made before it
  RETURN_IF_ERROR(journal_.Open());
  feed_ = std::make_shared<CommitFeed>(store_.get(), durable_seq_);
  return absl::OkStatus();
}

absl::Status LedgerImpl::LoadDurable() {
  ASSIGN_OR_RETURN(v1::HeadRecord head, store_->ReadHead());
  // Only the policy versions: customers are read when a command names them.
  StateDecoder policies(state_);
  RETURN_IF_ERROR(store_->ForEachStateEntryIn(
      kPoliciesStart, kPoliciesEnd,
      [&](std::string_view key, std::string_view value) {
        return policies.Add(key, value);
      }));
  RETURN_IF_ERROR(policies.Finish());
  state_.last_seq = head.seq();
  durable_seq_ = head.seq();
  head_hash_ = head.hash();
  // The head must name the last event, and its hash must be that event's.
  uint64_t last_seen = 0;
  std::string last_hash(kHashBytes, '\0');
  RETURN_IF_ERROR(store_->ForEachEvent(
      head.seq() == 0 ? 1 : head.seq(),
      [&](std::string_view key, std::string_view value) {
        ASSIGN_OR_RETURN(last_seen, DecodeEventKey(key));
        last_hash = std::string(value.substr(0, kHashBytes));
        return absl::OkStatus();
      }));
  if (last_seen != head.seq() || last_hash != head.hash()) {
    return absl::DataLossError(absl::StrCat(
        "the ledger's head says seq ", head.seq(), " but the log ends at ",
        last_seen, " or its hash differs: run `ledgerctl replay`"));
  }
  RETURN_IF_ERROR(store_->ForEachMetaEntry(
      [&](std::string_view key, std::string_view value) -> absl::Status {
        if (key != kAppliedPositionKey) return absl::OkStatus();
        ASSIGN_OR_RETURN(applied_position_, DecodeAppliedPosition(value));
        return absl::OkStatus();
      }));
  judged_position_ = applied_position_;
  return absl::OkStatus();
}

absl::Status LedgerImpl::ForgetFailedGroup() {
  const uint64_t durable = durable_seq_;
  state_ = LedgerState();
  lru_ = CustomerLru();
  // The groups in flight were judged on the state just dropped: none of
  // them is written (WriteJudged refuses them), so nothing they hold is
  // pending any more.
  for (InFlightGroup& g : in_flight_) {
    g.Clear();
    g.active = false;
  }
  touched_.clear();
  applied_position_ = 0;
  RETURN_IF_ERROR(LoadDurable());
  if (durable_seq_ != durable) {
    return absl::InternalError(absl::StrCat(
        "after a write that failed for want of space the store's head is seq ",
        durable_seq_, ", not the last acknowledged seq ", durable));
  }
  return absl::OkStatus();
}

absl::Status LedgerImpl::EnsureWritable() {
  const std::string& dir = store_->dir();
  const uint64_t floor = options_.min_free_disk_bytes;
  if (store_->out_of_space()) {
    ASSIGN_OR_RETURN(uint64_t free, store_->FreeBytes());
    // RocksDB resumes by flushing every memtable to a table file and
    // starting a new WAL: wait for room for that (table files are smaller
    // than the memtables they come from) and for the floor. A Resume that
    // runs out of room mid-flush can hang the next one (disk_space.h).
    constexpr uint64_t kResumeSlackBytes = uint64_t{4} << 20;
    const uint64_t needed =
        std::max(floor, 2 * store_->MemtableBytes() + kResumeSlackBytes);
    if (free < needed) {
      return DiskFullError(dir, absl::StrCat(
          HumanBytes(free), " free; RocksDB found no room (",
          store_->out_of_space_cause(), ") and writes resume once ",
          HumanBytes(needed), " are free"));
    }
    // RocksDB is not resumed under a write of its own.
    AwaitNoWriteInFlight();
    RETURN_IF_ERROR(store_->Resume());
  }
  if (floor == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(uint64_t free, store_->FreeBytes());
  if (free < floor) {
    return DiskFullError(dir, absl::StrCat(
        HumanBytes(free), " free, under the floor of ", HumanBytes(floor),
        " kept for RocksDB's flushes and compactions (--min-free-disk)"));
  }
  return absl::OkStatus();
}

absl::Status LedgerImpl::CheckWritable() {
  absl::MutexLock space_lock(&space_mu_);
  {
    absl::ReaderMutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
  }
  return EnsureWritable();
}

size_t LedgerImpl::CachedCustomersForTest() const {
  absl::ReaderMutexLock lock(&state_mu_);
  return state_.customers.size();
}

size_t LedgerImpl::GroupsInFlightForTest() const {
  absl::ReaderMutexLock lock(&state_mu_);
  return next_ticket_ - write_turn_;
}

size_t LedgerImpl::WaitingSubscribersForTest() const {
  return feed_->WaitingReadersForTest();
}

size_t LedgerImpl::CachedEntitiesForTest() const {
  absl::ReaderMutexLock lock(&state_mu_);
  size_t n = 0;
  for (const auto& [id, c] : state_.customers) {
    n += c.usages.size() + c.holds.size() + c.refunds.size();
  }
  return n;
}

namespace {

// What no rule reads other than by id: usages, and holds and refunds that
// are no longer pending. Suspend, terminate and expire walk the pending ones.
void DropSettled(CustomerState& c) {
  c.usages.clear();
  absl::erase_if(c.holds, [](const auto& entry) {
    return entry.second.status() != v1::HOLD_PENDING;
  });
  absl::erase_if(c.refunds, [](const auto& entry) {
    return entry.second.status() != v1::REFUND_PENDING;
  });
}

// Reads the entity stored under `key` into `map[id]` unless it is there
// already (then it is at least as new as the store's).
template <typename Message, typename Map>
absl::Status FetchById(const Store& store, const std::string& key,
                       const std::string& id, Map& map) {
  if (map.contains(id)) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<std::string> value, store.ReadStateEntry(key));
  if (!value.has_value()) return absl::OkStatus();
  Message m;
  RETURN_IF_ERROR(DecodeStoredEntity(id, *value, m));
  map.emplace(id, std::move(m));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<CustomerState>> LedgerImpl::ReadCustomer(
    const std::string& customer, bool for_rules) const {
  // The header, then one MultiGet of what it names (customer_state_read.h).
  ASSIGN_OR_RETURN(std::optional<CustomerState> read,
                   ReadStoredCustomer(*store_, customer, for_rules));
  if (read.has_value()) DropSettled(*read);
  return read;
}

std::vector<std::string> LedgerImpl::UncachedCustomers(
    const std::vector<Writer*>& group) const {
  std::vector<std::string> uncached;
  absl::flat_hash_set<std::string_view> seen;
  for (const Writer* w : group) {
    for (const Prepared& p : *w->commands) {
      const std::string& id = p.command.customer();
      if (p.invalid.has_value() || id.empty()) continue;
      if (state_.customers.contains(id) || !seen.insert(id).second) continue;
      uncached.push_back(id);
    }
  }
  return uncached;
}

absl::Status LedgerImpl::Fetch(const v1::Command& command,
                               InFlightGroup& group,
                               CustomerPrefetch* read_ahead) {
  const std::string& id = command.customer();
  if (id.empty()) return absl::OkStatus();  // set_policy
  group.customers.insert(id);
  auto it = state_.customers.find(id);
  if (it == state_.customers.end()) {
    std::optional<CustomerPrefetch::StoredCustomer> ahead;
    if (read_ahead != nullptr) ahead = read_ahead->Take(id);
    if (ahead.has_value()) {
      customers_read_ahead_.fetch_add(1, std::memory_order_relaxed);
    }
    ASSIGN_OR_RETURN(std::optional<CustomerState> stored,
                     ahead.has_value() ? std::move(*ahead)
                                       : ReadCustomer(id, /*for_rules=*/true));
    if (!stored.has_value()) return absl::OkStatus();  // UNKNOWN_CUSTOMER
    it = state_.customers.try_emplace(id, std::move(*stored)).first;
  }
  lru_.Touch(id);
  CustomerState& c = it->second;
  const Store& store = *store_;
  auto usage = [&](const std::string& usage_id) {
    return FetchById<v1::UsageState>(store, UsageKey(id, usage_id), usage_id,
                                     c.usages);
  };
  auto hold = [&](const std::string& hold_id) {
    return FetchById<v1::HoldState>(store, HoldKey(id, hold_id), hold_id,
                                    c.holds);
  };
  auto refund = [&](const std::string& refund_id) {
    return FetchById<v1::RefundState>(store, RefundKey(id, refund_id),
                                      refund_id, c.refunds);
  };
  switch (command.kind_case()) {
    case v1::Command::kUse: return usage(command.use().usage_id());
    case v1::Command::kCompensate: return usage(command.compensate().usage_id());
    case v1::Command::kHold: return hold(command.hold().hold_id());
    case v1::Command::kRelease: return hold(command.release().hold_id());
    case v1::Command::kCapture:
      RETURN_IF_ERROR(hold(command.capture().hold_id()));
      return usage(command.capture().usage_id());
    case v1::Command::kRequestRefund:
      return refund(command.request_refund().refund_id());
    case v1::Command::kApproveRefund:
      return refund(command.approve_refund().refund_id());
    case v1::Command::kDenyRefund:
      return refund(command.deny_refund().refund_id());
    default:
      return absl::OkStatus();
  }
}

void LedgerImpl::ShrinkCache(
    const absl::flat_hash_set<std::string>& customers) {
  for (const std::string& id : customers) {
    if (Unwritten(id)) continue;  // a later group's changes are not on disk
    auto it = state_.customers.find(id);
    if (it != state_.customers.end()) DropSettled(it->second);
  }
  // Customers a group in flight changed stay, as the most recently used.
  std::vector<std::string> unwritten;
  while (lru_.size() > options_.state_cache_customers) {
    std::string id = lru_.PopOldest();
    if (Unwritten(id)) {
      unwritten.push_back(std::move(id));
    } else {
      state_.customers.erase(id);
    }
  }
  for (auto it = unwritten.rbegin(); it != unwritten.rend(); ++it) lru_.Touch(*it);
  LEDGER_CHECK(lru_.size() == state_.customers.size())
      << "the customer cache lost track of " << state_.customers.size()
      << " customers against " << lru_.size() << " in its order";
}

int64_t LedgerImpl::ReceivedNow() const {
  if (options_.clock) return options_.clock();
  return absl::ToUnixMicros(absl::Now());
}

Receipt LedgerImpl::ReceivedNowBy(std::string actor) const {
  Receipt receipt;
  receipt.received_at_us = ReceivedNow();
  receipt.actor = std::move(actor);
  return receipt;
}

LedgerImpl::Prepared LedgerImpl::Prepare(const v1::Command& command,
                                         const Receipt& receipt) {
  Prepared p;
  p.command = command;
  p.received_at_us = receipt.received_at_us;
  p.actor = receipt.actor;
  p.recorded_at_us = receipt.recorded_at_us.value_or(
      receipt.received_at_us == kNoReceivedTimeUs ? 0 : receipt.received_at_us);
  absl::Status valid = ValidateAndCanonicalize(p.command);
  if (!valid.ok()) {
    p.invalid = Rejected(KeyOf(command), v1::INVALID_COMMAND,
                         std::string(valid.message()));
    return p;
  }
  p.fingerprint = CommandFingerprint(p.command);
  return p;
}

absl::StatusOr<SubmitResult> LedgerImpl::Submit(const v1::Command& command) {
  std::vector<Prepared> prepared;
  prepared.push_back(Prepare(command, ReceivedNowBy(options_.actor)));
  ASSIGN_OR_RETURN(std::vector<SubmitResult> results, Run(prepared));
  return std::move(results.front());
}

LedgerImpl::Prepared LedgerImpl::PrepareJson(std::string_view json,
                                             const Receipt& receipt) {
  // The same read a driver gets from ReadCommandJson: the strict reader
  // for a plain line, protobuf's parser (and its error message) otherwise.
  CommandFromJson read = ReadCommandJson(json);
  if (read.command.has_value()) return Prepare(*read.command, receipt);
  Prepared p;
  p.invalid = std::move(read.rejected);
  return p;
}

absl::StatusOr<SubmitResult> LedgerImpl::SubmitJson(std::string_view json) {
  std::vector<Prepared> prepared;
  prepared.push_back(PrepareJson(json, ReceivedNowBy(options_.actor)));
  ASSIGN_OR_RETURN(std::vector<SubmitResult> results, Run(prepared));
  return std::move(results.front());
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitJsonBatch(
    std::span<const std::string> lines) {
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared, PrepareJsonLines(lines));
  return Run(prepared);
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitJsonBatchInOrder(
    std::span<const std::string> lines, const std::function<void()>& queued) {
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared, PrepareJsonLines(lines));
  return Run(prepared, /*applied_position=*/0, &queued);
}

absl::StatusOr<std::vector<LedgerImpl::Prepared>> LedgerImpl::PrepareJsonLines(
    std::span<const std::string> lines) const {
  RETURN_IF_ERROR(CheckBatchSize(lines.size()));
  // Parsing JSON costs more than judging and writing the command (profile
  // in docs/benchmarks.md, "The JSON path"): a large batch is parsed in
  // slices on several threads. Each slice is contiguous: the order holds.
  std::vector<Prepared> prepared(lines.size());
  const Receipt receipt = ReceivedNowBy(options_.actor);
  ForEachSlice(lines.size(), kJsonLineSlices, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      prepared[i] = PrepareJson(lines[i], receipt);
    }
  });
  return prepared;
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitBatch(
    std::span<const v1::Command> commands) {
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared, PrepareBatch(commands));
  return Run(prepared);
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitBatchInOrder(
    std::span<const v1::Command> commands,
    const std::function<void()>& queued) {
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared, PrepareBatch(commands));
  return Run(prepared, /*applied_position=*/0, &queued);
}

absl::StatusOr<std::vector<LedgerImpl::Prepared>> LedgerImpl::PrepareBatch(
    std::span<const v1::Command> commands) const {
  RETURN_IF_ERROR(CheckBatchSize(commands.size()));
  const Receipt receipt = ReceivedNowBy(options_.actor);
  return PrepareCommands(commands,
                         [&](size_t) -> const Receipt& { return receipt; });
}

absl::Status LedgerImpl::CheckBatchSize(size_t commands) const {
  if (commands <= options_.max_batch_commands) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("a batch of ", commands, " commands exceeds ",
                   options_.max_batch_commands));
}

std::vector<LedgerImpl::Prepared> LedgerImpl::PrepareCommands(
    std::span<const v1::Command> commands,
    const std::function<const Receipt&(size_t)>& receipt_of) const {
  // A lone caller's large batch is otherwise prepared on the thread that
  // then judges and writes it, one after the other.
  std::vector<Prepared> prepared(commands.size());
  ForEachSlice(commands.size(), kCommandSlices, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      prepared[i] = Prepare(commands[i], receipt_of(i));
    }
  });
  return prepared;
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitBatchAs(
    std::span<const v1::Command> commands,
    std::span<const std::string> actors) {
  if (actors.size() != commands.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a batch of ", commands.size(), " commands came with ", actors.size(),
        " actors: give one per command"));
  }
  std::vector<Receipt> receipts(commands.size());
  const int64_t received_at_us = ReceivedNow();
  for (size_t i = 0; i < commands.size(); ++i) {
    receipts[i].received_at_us = received_at_us;
    receipts[i].actor = actors[i];
  }
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared,
                   PrepareReceived(commands, receipts));
  return Run(prepared);
}

absl::StatusOr<std::vector<LedgerImpl::Prepared>> LedgerImpl::PrepareReceived(
    std::span<const v1::Command> commands,
    std::span<const Receipt> receipts) const {
  RETURN_IF_ERROR(CheckBatchSize(commands.size()));
  if (!receipts.empty() && receipts.size() != commands.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a batch of ", commands.size(), " commands came with ",
        receipts.size(), " receipts: give one per command or none"));
  }
  for (const Receipt& r : receipts) RETURN_IF_ERROR(CheckActor(r.actor));
  const Receipt none;
  return PrepareCommands(commands, [&](size_t i) -> const Receipt& {
    return receipts.empty() ? none : receipts[i];
  });
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitBatchReceivedAt(
    std::span<const v1::Command> commands,
    std::span<const Receipt> receipts) {
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared,
                   PrepareReceived(commands, receipts));
  return Run(prepared);
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitBatchAt(
    std::span<const v1::Command> commands,
    std::span<const Receipt> receipts, uint64_t applied_position) {
  if (applied_position <= AppliedPosition()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "applied position ", applied_position, " is not above the stored ",
        AppliedPosition(), ": that batch was applied already"));
  }
  ASSIGN_OR_RETURN(std::vector<Prepared> prepared,
                   PrepareReceived(commands, receipts));
  return Run(prepared, applied_position);
}

uint64_t LedgerImpl::AppliedPosition() const {
  absl::ReaderMutexLock lock(&state_mu_);
  return applied_position_;
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::Run(
    std::vector<Prepared>& commands, uint64_t applied_position,
    const std::function<void()>* queued) {
  std::vector<SubmitResult> results;
  // A positioned batch is written even when empty: its position must move.
  if (commands.empty() && applied_position == 0) {
    if (queued != nullptr) (*queued)();  // nothing to keep in order
    return results;
  }
  Writer w(&commands, &results);
  w.applied_position = applied_position;
  queue_mu_.Lock();
  if (closing_) {
    queue_mu_.Unlock();
    return ClosedError();
  }
  queue_.push_back(&w);
  if (queued != nullptr) {
    // Its place is taken: the caller may queue its next call. Without the
    // lock, which the caller's next call takes; whatever happened to this
    // writer meanwhile (led, or taken into a group and even answered), the
    // wait below sees it.
    queue_mu_.Unlock();
    (*queued)();
    queue_mu_.Lock();
  }
  // A writer of a group in flight has left the queue: it waits for done.
  while (!w.done && (queue_.empty() || queue_.front() != &w)) {
    w.cv.Wait(&queue_mu_);
  }
  if (w.done) {
    queue_mu_.Unlock();
    if (!w.status.ok()) return w.status;
    return results;
  }
  // This writer leads: it takes the waiting writers, up to the group bound
  // (a writer is never split, so one SubmitBatch of more commands than
  // max_group_commands is a group of its own).
  std::vector<Writer*> group;
  size_t group_commands = 0;
  for (Writer* x : queue_) {
    if (!group.empty() &&
        group_commands + x->commands->size() > options_.max_group_commands) {
      break;
    }
    group.push_back(x);
    group_commands += x->commands->size();
  }
  queue_mu_.Unlock();
  Judged judged;
  absl::Status status = JudgeGroup(group, judged);
  // Judged (or failed), with the writers it took in meanwhile: the group
  // leaves the queue and the next writer leads, judging its group while
  // this one is written.
  queue_mu_.Lock();
  for (Writer* x : group) {
    LEDGER_CHECK(queue_.front() == x) << "the commit queue lost the order of a group";
    queue_.pop_front();
  }
  ++groups_answering_;
  if (!queue_.empty()) queue_.front()->cv.Signal();
  queue_mu_.Unlock();
  if (status.ok()) status = WriteJudged(judged, group);
  if (!status.ok() && judged.ticketed) {
    // Written groups retire their slot themselves; a failed or refused
    // one is retired here, before its commands (whose fingerprints its
    // slot points to) go back to their callers.
    absl::MutexLock lock(&state_mu_);
    Retire(judged.ticket);
  }
  queue_mu_.Lock();
  --groups_answering_;
  for (Writer* x : group) {
    // A refusal rests on the positions judged before it: it is answered
    // only once they are written, and a failed write wins over it.
    x->status = status.ok() ? x->refused : status;
    x->done = true;
    if (x != &w) x->cv.Signal();
  }
  queue_mu_.Unlock();
  if (!w.status.ok()) return w.status;
  return results;
}

// Judges and folds the group under the state lock; its write comes later
// (WriteJudged), without the lock, while the next group is judged. Queries
// of customers no group in flight changed are answered meanwhile, and
// those of customers one changed wait for it (AnswerableNow). Only leaders
// change the state, one at a time (space_mu_), in ticket order.
absl::Status LedgerImpl::JudgeGroup(std::vector<Writer*>& group,
                                    Judged& judged) {
  absl::MutexLock space_lock(&space_mu_);
  {
    // At most kMaxGroupsInFlight groups judged ahead of the disk: the one
    // syncing and this one.
    absl::ReaderMutexLock lock(&state_mu_);
    auto room = [this]() ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
      return !failed_.ok() || next_ticket_ - write_turn_ < kMaxGroupsInFlight;
    };
    state_mu_.Await(absl::Condition(&room));
    if (!failed_.ok()) return failed_;
  }
  // Before judging anything: a group refused for want of space leaves no
  // trace, and RocksDB is not asked to write what it has no room for.
  RETURN_IF_ERROR(EnsureWritable());
  absl::MutexLock lock(&state_mu_);
  if (!failed_.ok()) return failed_;
  judged.ticket = next_ticket_++;
  judged.ticketed = true;
  InFlightGroup& slot = SlotOf(judged.ticket);
  LEDGER_CHECK(!slot.active) << "a group was judged into the slot of one still in flight";
  slot.Clear();
  slot.active = true;
  slot.ticket = judged.ticket;
  size_t first_commands = 0;  // of the writers the group started with
  for (const Writer* w : group) first_commands += w->commands->size();
  // Grown once, not doubling from empty as each command adds to them.
  slot.keys.reserve(first_commands);
  slot.customers.reserve(first_commands);
  slot.changed.reserve(first_commands);
  touched_.clear();
  // A group that misses the cache for many customers has them read on a
  // second thread while it is judged (customer_prefetch.h says why that is
  // safe). Joined when JudgeGroup returns, before its lock is given back.
  // A group of fewer commands is not even listed: single Submits are most
  // groups of many callers.
  std::unique_ptr<CustomerPrefetch> read_ahead;
  if (first_commands >= kMinCustomersReadAhead) {
    if (std::vector<std::string> uncached = UncachedCustomers(group);
        uncached.size() >= kMinCustomersReadAhead) {
      customers_listed_ahead_.fetch_add(uncached.size(),
                                        std::memory_order_relaxed);
      read_ahead = std::make_unique<CustomerPrefetch>(
          std::move(uncached), [this](const std::string& customer) {
            return ReadCustomer(customer, /*for_rules=*/true);
          });
    }
  }
  const int64_t now_us = ReceivedNow();
  rocksdb::WriteBatch& batch = judged.batch;
  // Set when a group before this one failed for want of space while the
  // lock was free: the state was read back from the disk, and this group
  // is refused at its turn (WriteJudged), judging nothing more.
  bool doomed = false;
  // Frees the lock for `fn` and takes it again; false when the group must
  // stop judging (the ledger stopped, or the group is doomed).
  auto unlocked = [&](const std::function<void()>& fn)
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_) {
    fn();
    if (!failed_.ok()) return false;
    if (judged.ticket < forget_before_) {
      touched_.clear();  // its slot was emptied by ForgetFailedGroup
      doomed = true;
      return false;
    }
    return true;
  };
  auto judge = [&](size_t from) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_)
                   -> absl::Status {
    for (size_t i = from; i < group.size(); ++i) {
      Writer* w = group[i];
      if (w->applied_position != 0) {
        // Checked here, in the order calls are judged and written, not
        // only against the durable position when the call came: two
        // positioned calls in flight at once must not store a position
        // below one already judged (a batch is applied once).
        if (w->applied_position <= judged_position_) {
          w->refused = absl::InvalidArgumentError(absl::StrCat(
              "applied position ", w->applied_position,
              " is not above ", judged_position_,
              ", already applied or being applied: that batch was applied "
              "already"));
          continue;
        }
        judged_position_ = w->applied_position;
        judged.position = std::max(judged.position, w->applied_position);
      }
      w->results->reserve(w->commands->size());
      for (const Prepared& p : *w->commands) {
        absl::StatusOr<SubmitResult> r =
            Process(p, judged, slot, read_ahead.get());
        // The state may hold earlier commands of the group, never written.
        if (!r.ok()) return Stop(r.status());
        if (r->outcome == Outcome::kRejected) {
          // The refusal's recording time is the event's would have been:
          // the writer's (in a cluster, the receiving node's) clock when
          // the command arrived.
          journal_.Record(p.command, *r, p.actor,
                          p.recorded_at_us != 0 ? p.recorded_at_us : now_us,
                          batch);
        }
        w->results->push_back(std::move(*r));
        // Between two commands the state is whole: a waiting query gets
        // in, so none waits for a whole group to be judged.
        if (queries_waiting_.load(std::memory_order_relaxed) > 0 &&
            !unlocked([&] { LetQueriesIn(); })) {
          return failed_;  // OK when doomed
        }
      }
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(judge(0));
  // While the group before this one syncs, the writers that queue meanwhile
  // join this group (up to the group bound), so the pipeline does not cut
  // the groups of many small callers into more syncs. With no group in
  // flight the group is written at once: the writers queued meanwhile make
  // the next group, judged during this one's sync.
  size_t group_commands = first_commands;
  while (!doomed && write_turn_ != judged.ticket && failed_.ok()) {
    auto turn = [this, &judged]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_) {
      return !failed_.ok() || write_turn_ == judged.ticket;
    };
    const bool my_turn = state_mu_.AwaitWithTimeout(absl::Condition(&turn),
                                                    absl::Microseconds(100));
    if (!failed_.ok()) return failed_;
    // The group before failed for want of space while this one waited (its
    // turn came because that one was refused): nothing more is judged.
    if (judged.ticket < forget_before_) {
      unlocked([] {});  // marks the group doomed
      break;
    }
    // Its turn came: it is written now. The writers queued meanwhile make
    // the next group, judged during this one's sync (taking them in here
    // would judge them while the disk waits).
    if (my_turn) break;
    if (group_commands >= options_.max_group_commands) break;
    const size_t before = group.size();
    state_mu_.Unlock();
    {
      absl::MutexLock queue_lock(&queue_mu_);
      for (size_t i = before; i < queue_.size(); ++i) {
        Writer* x = queue_[i];
        if (group_commands + x->commands->size() > options_.max_group_commands) {
          break;
        }
        group.push_back(x);
        group_commands += x->commands->size();
      }
    }
    state_mu_.Lock();
    if (!failed_.ok()) return failed_;
    if (judged.ticket < forget_before_) {
      unlocked([] {});
      break;
    }
    if (group.size() > before) RETURN_IF_ERROR(judge(before));
  }
  // Refused at its turn (WriteJudged) with the group it was judged on.
  if (doomed || judged.ticket < forget_before_) return absl::OkStatus();
  FlushTouched(batch);
  // The journal's retention rides on a batch that is written anyway.
  if (batch.Count() != 0) journal_.Prune(now_us, batch);
  judged.events = slot.keys.size();
  if (judged.events == 0 && judged.position == 0) {
    judged.refusals_only = true;  // all rejected or duplicates
    return absl::OkStatus();
  }
  if (judged.events != 0) {
    batch.Put(store_->meta(), kHeadKey, EncodeHead(state_.last_seq, head_hash_));
  }
  if (judged.position != 0) {
    batch.Put(store_->meta(), kAppliedPositionKey,
              EncodeAppliedPosition(judged.position));
  }
  judged.last_seq = state_.last_seq;
  return absl::OkStatus();
}

// Groups are written in ticket order, each once the one before it is
// written: a group's answers (rejections and duplicates too, which may
// rest on an earlier group's commands) never precede that group's sync.
// A failed write stops the ledger, so every later group fails too; a
// write refused for want of space fails every group judged on top of it.
absl::Status LedgerImpl::WriteJudged(Judged& judged,
                                     const std::vector<Writer*>& group) {
  {
    absl::MutexLock lock(&state_mu_);
    auto turn = [this, &judged]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_) {
      return !failed_.ok() || write_turn_ == judged.ticket;
    };
    state_mu_.Await(absl::Condition(&turn));
    if (!failed_.ok()) return failed_;
    if (judged.ticket < forget_before_) {
      ++write_turn_;
      return forget_status_;
    }
  }
  if (judged.refusals_only) {
    // Nothing the state holds waits on this write.
    absl::Status written = judged.batch.Count() == 0
                               ? absl::OkStatus()
                               : WriteRefusalsOnly(judged.batch);
    absl::MutexLock lock(&state_mu_);
    if (!written.ok()) return written;
    Retire(judged.ticket);
    ++write_turn_;
    return absl::OkStatus();
  }
  const auto write_start = std::chrono::steady_clock::now();
  absl::Status written = store_->Write(judged.batch, options_.sync);
  const auto write_duration = std::chrono::steady_clock::now() - write_start;
  absl::ReleasableMutexLock lock(&state_mu_);
  if (IsDiskFull(written)) {
    // Out of space: the store refuses writes until it is resumed
    // (EnsureWritable), and reads go on from the durable state. Every
    // group judged so far rests on this one: they fail with it.
    absl::Status forgotten = ForgetFailedGroup();
    if (!forgotten.ok()) return Stop(forgotten);
    forget_before_ = next_ticket_;
    forget_status_ = written;
    ++write_turn_;
    return written;
  }
  // Never carry on after any other failed write or sync: the state in
  // memory is ahead of the disk, and what the disk holds is known only on
  // reopen.
  if (!written.ok()) return Stop(written);
  durable_seq_ = judged.last_seq;
  applied_position_ = std::max(applied_position_, judged.position);
  // Its keys are in the store now, and its customers' state on disk.
  Retire(judged.ticket);
  // After the write returned, so a subscription that reads up to this seq
  // finds every event of it in the store.
  feed_->Publish(durable_seq_);
  if (!options_.on_group_committed) {
    ++write_turn_;
    return absl::OkStatus();
  }
  lock.Release();
  // Called with no lock held but before the turn passes on: the reports
  // come one at a time and in the order groups are written, as they did
  // before the commit was pipelined (the next group is judged meanwhile;
  // only its write waits).
  CommitStats stats;
  stats.calls = group.size();
  for (const Writer* w : group) stats.commands += w->commands->size();
  stats.events = judged.events;
  stats.bytes = judged.batch.GetDataSize();
  stats.write_duration =
      std::chrono::duration_cast<std::chrono::nanoseconds>(write_duration);
  options_.on_group_committed(stats);
  absl::MutexLock relock(&state_mu_);
  ++write_turn_;
  return absl::OkStatus();
}

absl::Status LedgerImpl::WriteRefusalsOnly(rocksdb::WriteBatch& batch) {
  absl::Status written = store_->Write(batch, /*sync=*/false);
  if (written.ok() || IsDiskFull(written)) return absl::OkStatus();
  // As after any failed write: what the disk holds is known only on reopen.
  absl::MutexLock lock(&state_mu_);
  return Stop(written);
}

void LedgerImpl::LetQueriesIn() {
  state_mu_.Unlock();
  // Until the queries that were waiting hold the lock (they count
  // themselves out once they do), for a bounded time: the judging goes on
  // even if more keep coming.
  constexpr auto kMaxPause = std::chrono::microseconds(200);
  const auto until = std::chrono::steady_clock::now() + kMaxPause;
  while (queries_waiting_.load(std::memory_order_relaxed) > 0 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::yield();
  }
  state_mu_.Lock();
}

void LedgerImpl::AwaitNoWriteInFlight() {
  absl::MutexLock lock(&state_mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_) {
    return !failed_.ok() || write_turn_ == next_ticket_;
  };
  state_mu_.Await(absl::Condition(&idle));
}

// FailedPrecondition, not the cause's code: a cause such as an I/O error
// (Unavailable) says "retry", but no retry succeeds until the ledger is
// reopened and has read back what the disk really holds.
absl::Status LedgerImpl::Stop(const absl::Status& cause) {
  // The first failure is the one every call reports (a group failing
  // after another write stopped the ledger changes nothing).
  if (!failed_.ok()) return failed_;
  failed_ = absl::FailedPreconditionError(absl::StrCat(
      "the ledger stopped after a failed write (",
      absl::StatusCodeToString(cause.code()), ": ", cause.message(),
      "); nothing of the group being written was acknowledged, and every "
      "call fails until the ledger is reopened with Ledger::Open"));
  feed_->End(failed_);
  return failed_;
}

bool LedgerImpl::AnswerableNow(const std::string& customer) const {
  // A stopped ledger answers every query at once, with its failure: the
  // groups in flight will never be written.
  if (!failed_.ok()) return true;
  for (const InFlightGroup& g : in_flight_) {
    if (g.active && (g.policy || g.changed.contains(customer))) return false;
  }
  return true;
}

void LedgerImpl::InFlightGroup::Clear() {
  keys.clear();
  customers.clear();
  changed.clear();
  policy = false;
}

void LedgerImpl::Retire(uint64_t ticket) {
  InFlightGroup& slot = SlotOf(ticket);
  if (!slot.active || slot.ticket != ticket) return;
  // Inactive first, so ShrinkCache keeps only what a later group changed.
  slot.active = false;
  ShrinkCache(slot.customers);
  slot.Clear();
}

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

absl::StatusOr<Balance> LedgerImpl::GetBalance(const std::string& customer,
                                               int64_t at_us) const {
  // The bounds that keep at_us plus a window or the expiry horizon inside
  // int64 (static_asserts in projections/balance.cc, rules).
  if (at_us < kMinTimeUs || at_us > kMaxTimeUs) {
    return absl::InvalidArgumentError(absl::StrCat(
        "at_us ", at_us, " is outside [", kMinTimeUs, ", ", kMaxTimeUs,
        "], 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"));
  }
  // Counted while it waits for the lock, so the judging lets it in.
  queries_waiting_.fetch_add(1, std::memory_order_relaxed);
  absl::ReaderMutexLock lock(&state_mu_);
  queries_waiting_.fetch_sub(1, std::memory_order_relaxed);
  // A customer the group being written changed (or every customer, when it
  // sets a policy) is answered once that group is on disk, never before.
  auto answerable = [this, &customer]() ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    return AnswerableNow(customer);
  };
  state_mu_.Await(absl::Condition(&answerable));
  if (!failed_.ok()) return failed_;
  const CustomerState* c = state_.FindCustomer(customer);
  // Not cached, so not changed by any group in flight (the customers they
  // change stay cached until they are on disk): the store holds exactly
  // its durable state, and no group is judged while this lock is held.
  std::optional<CustomerState> stored;
  if (c == nullptr) {
    ASSIGN_OR_RETURN(stored, ReadCustomer(customer, /*for_rules=*/false));
    if (stored.has_value()) c = &*stored;
  }
  if (c == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown customer '", customer, "'"));
  }
  return ComputeBalance(*c, state_.policies, at_us);
}

absl::Status LedgerImpl::ReadEvents(
    uint64_t from_seq, const std::function<bool(const v1::Event&)>& fn) const {
  // Keeps Close from closing the store under the scan below.
  absl::ReaderMutexLock store_lock(&store_mu_);
  {
    // Like every query, refused after a failed write or Close
    // (docs/storage.md).
    absl::ReaderMutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
  }
  // RocksDB iterators read a consistent snapshot, so no lock is needed; an
  // event is visible once its group's batch is written.
  StoredEventDecoder decoder(*store_);
  absl::Status scanned = store_->ForEachEvent(
      from_seq,
      [&](std::string_view key, std::string_view value) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Event event, decoder.Next(key, value));
        return fn(event) ? absl::OkStatus()
                         : absl::CancelledError("stopped by the reader");
      });
  return absl::IsCancelled(scanned) ? absl::OkStatus() : scanned;
}

absl::StatusOr<std::unique_ptr<Subscription>> LedgerImpl::Subscribe(
    uint64_t from_seq) {
  if (from_seq == 0) {
    return absl::InvalidArgumentError(
        "cannot subscribe from seq 0: the first event is seq 1");
  }
  {
    absl::ReaderMutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
  }
  return std::unique_ptr<Subscription>(
      std::make_unique<SubscriptionImpl>(feed_, from_seq));
}

uint64_t LedgerImpl::LastSeq() const {
  absl::ReaderMutexLock lock(&state_mu_);
  return durable_seq_;
}

}  // namespace ledger
