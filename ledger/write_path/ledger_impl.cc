// LedgerImpl's life (Open, Restore, Close), its queries (GetBalance,
// ReadEvents, Subscribe) and what stops it; the commit itself is in
// group_commit.cc, judging one command in judge_command.cc, the calls that
// prepare and queue commands in submit_calls.cc, the customer cache in
// state_cache.cc.
#include "ledger/write_path/ledger_impl.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/utf8.h"
#include "ledger/storage/customer_index.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/time_util.h"
#include "ledger/write_path/open_with_env.h"
#include "ledger/write_path/subscription_impl.h"
#include "projections/balance.h"

namespace ledger {

namespace {

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
  return LedgerImpl::CheckActor(options.actor);
}

}  // namespace

SubmitResult LedgerImpl::Rejected(std::optional<std::string> key,
                                  v1::RejectionCode code,
                                  std::string message) {
  SubmitResult r;
  r.key = std::move(key);
  r.outcome = Outcome::kRejected;
  r.code = code;
  r.message = std::move(message);
  return r;
}

std::optional<std::string> LedgerImpl::KeyOf(const v1::Command& command) {
  if (!command.has_key()) return std::nullopt;
  return command.key();
}

absl::Status LedgerImpl::ClosedError() {
  return absl::FailedPreconditionError(
      "the ledger was closed: open it again with Ledger::Open to go on");
}

absl::Status LedgerImpl::CheckActor(const std::string& actor) {
  if (actor.size() > kMaxIdLength || !IsValidUtf8(actor)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "actor '", IsValidUtf8(actor) ? actor : "(not UTF-8)", "' is not ",
        "at most ", kMaxIdLength, " bytes of UTF-8"));
  }
  return absl::OkStatus();
}

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
