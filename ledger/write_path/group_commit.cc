// The pipelined group commit (docs/storage.md, "The pipelined group
// commit"): the queue of writers and its leaders (Run), judging a group
// under the state lock (JudgeGroup), writing groups in order (WriteJudged),
// and what a full disk does to the groups in flight.
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/disk_space.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/write_path/ledger_impl.h"

namespace ledger {

namespace {

// A group reads its uncached customers ahead on a thread of their own
// (customer_prefetch.h) when it names at least this many: a thread costs
// about 20 us to start and join, one customer's read several us.
constexpr size_t kMinCustomersReadAhead = 16;

}  // namespace

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

}  // namespace ledger
