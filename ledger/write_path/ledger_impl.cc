#include "ledger/write_path/ledger_impl.h"

#include <cassert>

#include "absl/strings/str_cat.h"
#include "ledger/rules/command_validation.h"
#include "ledger/rules/decide.h"
#include "ledger/write_path/open_with_env.h"
#include "ledger/base/sha256.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/write_path/subscription_impl.h"
#include "ledger/time_util.h"
#include "projections/apply.h"
#include "projections/balance.h"

namespace ledger {
namespace {

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

}  // namespace

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const Options& options,
                                                      const std::string& dir) {
  return OpenLedgerWithEnv(options, dir, nullptr);
}

absl::StatusOr<std::unique_ptr<Ledger>> OpenLedgerWithEnv(
    const Options& options, const std::string& dir, rocksdb::Env* env) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                   Store::Open(dir, Store::Mode::kReadWrite,
                               options.create_if_missing, env));
  auto ledger = std::make_unique<LedgerImpl>(options, std::move(store));
  RETURN_IF_ERROR(ledger->Restore());
  return std::unique_ptr<Ledger>(std::move(ledger));
}

LedgerImpl::LedgerImpl(const Options& options, std::unique_ptr<Store> store)
    : options_(options), store_(std::move(store)) {}

LedgerImpl::~LedgerImpl() {
  // Subscriptions may outlive the ledger: make them stop reading the store
  // before it closes.
  if (feed_ != nullptr) feed_->DetachStore();
}

absl::Status LedgerImpl::Restore() {
  absl::MutexLock lock(&state_mu_);
  ASSIGN_OR_RETURN(v1::HeadRecord head, store_->ReadHead());
  RETURN_IF_ERROR(store_->LoadState(state_));
  state_.last_seq = head.seq();
  durable_seq_ = head.seq();
  head_hash_ = head.hash();
  RETURN_IF_ERROR(store_->ForEachKey(
      [&](std::string_view key, const v1::KeyRecord& record) {
        key_index_.emplace(std::string(key), record.seq());
        return absl::OkStatus();
      }));
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
  feed_ = std::make_shared<CommitFeed>(store_.get(), durable_seq_);
  return absl::OkStatus();
}

LedgerImpl::Prepared LedgerImpl::Prepare(const v1::Command& command) {
  Prepared p;
  p.command = command;
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
  prepared.push_back(Prepare(command));
  ASSIGN_OR_RETURN(std::vector<SubmitResult> results, Run(prepared));
  return std::move(results.front());
}

LedgerImpl::Prepared LedgerImpl::PrepareJson(std::string_view json) {
  absl::StatusOr<v1::Command> command = ParseCommandJson(json);
  if (command.ok()) return Prepare(*command);
  Prepared p;
  p.invalid = Rejected(ReadKeyLeniently(json), v1::INVALID_COMMAND,
                       std::string(command.status().message()));
  return p;
}

absl::StatusOr<SubmitResult> LedgerImpl::SubmitJson(std::string_view json) {
  std::vector<Prepared> prepared;
  prepared.push_back(PrepareJson(json));
  ASSIGN_OR_RETURN(std::vector<SubmitResult> results, Run(prepared));
  return std::move(results.front());
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitJsonBatch(
    std::span<const std::string> lines) {
  if (lines.size() > options_.max_batch_commands) {
    return absl::InvalidArgumentError(
        absl::StrCat("a batch of ", lines.size(), " commands exceeds ",
                     options_.max_batch_commands));
  }
  std::vector<Prepared> prepared;
  prepared.reserve(lines.size());
  for (const std::string& line : lines) prepared.push_back(PrepareJson(line));
  return Run(prepared);
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::SubmitBatch(
    std::span<const v1::Command> commands) {
  if (commands.size() > options_.max_batch_commands) {
    return absl::InvalidArgumentError(
        absl::StrCat("a batch of ", commands.size(), " commands exceeds ",
                     options_.max_batch_commands));
  }
  std::vector<Prepared> prepared;
  prepared.reserve(commands.size());
  for (const v1::Command& c : commands) prepared.push_back(Prepare(c));
  return Run(prepared);
}

absl::StatusOr<std::vector<SubmitResult>> LedgerImpl::Run(
    std::vector<Prepared>& commands) {
  std::vector<SubmitResult> results;
  if (commands.empty()) return results;
  Writer w(&commands, &results);
  queue_mu_.Lock();
  queue_.push_back(&w);
  while (!w.done && queue_.front() != &w) w.cv.Wait(&queue_mu_);
  if (w.done) {
    queue_mu_.Unlock();
    if (!w.status.ok()) return w.status;
    return results;
  }
  // This writer leads: it takes the waiting writers, up to the group bound
  // (a writer is never split, so one large batch is one group).
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
  absl::Status status = CommitGroup(group);
  queue_mu_.Lock();
  for (Writer* x : group) {
    assert(queue_.front() == x);
    queue_.pop_front();
    x->status = status;
    x->done = true;
    if (x != &w) x->cv.Signal();
  }
  if (!queue_.empty()) queue_.front()->cv.Signal();
  queue_mu_.Unlock();
  if (!status.ok()) return status;
  return results;
}

// Judges and folds the group under the state lock, then writes it without
// the lock: queries of customers the group did not touch are answered during
// the sync, and those of customers it touched wait for it (AnswerableNow).
// Only the leader changes the state, and the next leader starts only once
// this group is done, so nothing changes the state while the lock is free.
absl::Status LedgerImpl::CommitGroup(const std::vector<Writer*>& group) {
  rocksdb::WriteBatch batch;
  uint64_t group_last_seq = 0;
  {
    absl::MutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
    assert(!writing_ && pending_customers_.empty() && !pending_policy_);
    InFlight in_flight;
    in_flight.first_seq = state_.last_seq + 1;
    for (Writer* w : group) {
      w->results->reserve(w->commands->size());
      for (const Prepared& p : *w->commands) {
        absl::StatusOr<SubmitResult> r = Process(p, batch, in_flight);
        if (!r.ok()) {
          failed_ = r.status();
          feed_->End(failed_);
          return failed_;
        }
        w->results->push_back(std::move(*r));
      }
    }
    if (in_flight.fingerprints.empty()) return absl::OkStatus();
    batch.Put(store_->meta(), kHeadKey,
              EncodeHead(state_.last_seq, head_hash_));
    group_last_seq = state_.last_seq;
    writing_ = true;
  }
  absl::Status written = store_->Write(batch, options_.sync);
  absl::MutexLock lock(&state_mu_);
  writing_ = false;
  pending_customers_.clear();
  pending_policy_ = false;
  if (!written.ok()) {
    // Never carry on after a failed write or sync: the state in memory is
    // ahead of the disk, and what the disk holds is known only on reopen.
    failed_ = absl::Status(
        written.code(),
        absl::StrCat(written.message(),
                     "; nothing of this group was acknowledged and the "
                     "ledger refuses further work until it is reopened"));
    feed_->End(failed_);
    return failed_;
  }
  durable_seq_ = group_last_seq;
  // After the write returned, so a subscription that reads up to this seq
  // finds every event of it in the store.
  feed_->Publish(durable_seq_);
  return absl::OkStatus();
}

bool LedgerImpl::AnswerableNow(const std::string& customer) const {
  return !writing_ ||
         (!pending_policy_ && !pending_customers_.contains(customer));
}

absl::StatusOr<std::optional<SubmitResult>> LedgerImpl::CheckKey(
    const Prepared& p, const InFlight& in_flight) const {
  auto it = key_index_.find(p.command.key());
  if (it == key_index_.end()) return std::optional<SubmitResult>();
  const uint64_t seq = it->second;
  std::string original;
  if (seq >= in_flight.first_seq) {
    original = *in_flight.fingerprints[seq - in_flight.first_seq];
  } else {
    ASSIGN_OR_RETURN(v1::KeyRecord record, store_->ReadKey(p.command.key()));
    original = record.command_fingerprint();
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

absl::StatusOr<SubmitResult> LedgerImpl::Process(const Prepared& p,
                                                 rocksdb::WriteBatch& batch,
                                                 InFlight& in_flight) {
  if (p.invalid.has_value()) return *p.invalid;
  ASSIGN_OR_RETURN(std::optional<SubmitResult> known, CheckKey(p, in_flight));
  if (known.has_value()) return std::move(*known);
  v1::Event event;
  Decision decision = Decide(p.command, state_, &event);
  if (!decision.accepted) {
    return Rejected(p.command.key(), decision.code, std::move(decision.message));
  }
  RETURN_IF_ERROR(Append(p, event, batch));
  in_flight.fingerprints.push_back(&p.fingerprint);
  SubmitResult accepted;
  accepted.key = p.command.key();
  accepted.outcome = Outcome::kAccepted;
  accepted.seq = event.header().seq();
  return accepted;
}

absl::Status LedgerImpl::Append(const Prepared& p, v1::Event& event,
                                rocksdb::WriteBatch& batch) {
  v1::EventHeader& h = *event.mutable_header();
  h.set_seq(state_.last_seq + 1);
  h.set_key(p.command.key());
  h.set_customer(p.command.customer());
  ASSIGN_OR_RETURN(int64_t at_us, ParseTimeUs(p.command.at()));
  h.set_at_us(at_us);
  h.set_prev_hash(head_hash_);
  h.set_command_fingerprint(p.fingerprint);
  *event.mutable_command() = p.command;
  const std::string bytes = SerializeDeterministic(event);
  const std::string hash = Sha256(head_hash_, bytes);

  TouchedEntities touched;
  absl::Status applied = ApplyEvent(event, state_, &touched);
  if (!applied.ok()) {
    // Decide produced effects the fold rejects: a bug, never a user error.
    return absl::InternalError(
        absl::StrCat("decided event does not apply: ", applied.message()));
  }
  // Folded but not on disk until the group's write returns.
  if (h.customer().empty()) {
    pending_policy_ = true;
  } else {
    pending_customers_.insert(h.customer());
  }
  batch.Put(store_->events(), EventKey(h.seq()), absl::StrCat(hash, bytes));
  batch.Put(store_->keys(), h.key(), EncodeKeyRecord(h.seq(), p.fingerprint));
  auto put_state = [&](std::string key, std::string value) {
    batch.Put(store_->state(), key, value);
  };
  if (touched.policy) {
    EncodePolicy(state_.policies.versions().back(), put_state);
  } else {
    EncodeCustomer(state_.customers.at(h.customer()), &touched, put_state);
  }
  key_index_.emplace(h.key(), h.seq());
  head_hash_ = hash;
  return absl::OkStatus();
}

absl::StatusOr<Balance> LedgerImpl::GetBalance(const std::string& customer,
                                               int64_t at_us) const {
  absl::ReaderMutexLock lock(&state_mu_);
  // A customer the group being written changed (or every customer, when it
  // sets a policy) is answered once that group is on disk, never before.
  auto answerable = [this, &customer]() ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    return AnswerableNow(customer);
  };
  state_mu_.Await(absl::Condition(&answerable));
  if (!failed_.ok()) return failed_;
  const CustomerState* c = state_.FindCustomer(customer);
  if (c == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown customer '", customer, "'"));
  }
  return ComputeBalance(*c, state_.policies, at_us);
}

absl::Status LedgerImpl::ReadEvents(
    uint64_t from_seq, const std::function<bool(const v1::Event&)>& fn) const {
  {
    // Like every query, refused after a failed write (docs/storage.md).
    absl::ReaderMutexLock lock(&state_mu_);
    if (!failed_.ok()) return failed_;
  }
  // RocksDB iterators read a consistent snapshot, so no lock is needed; an
  // event is visible once its group's batch is written.
  absl::Status scanned = store_->ForEachEvent(
      from_seq,
      [&](std::string_view key, std::string_view value) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Event event, DecodeStoredEvent(key, value));
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
