// The Ledger behind ledger.h: validation outside any lock, then a single
// writer that judges waiting commands one at a time against the in-memory
// state and commits them in groups (LevelDB's DBImpl::Write shape: a queue
// of writers, the front one leads, merges the waiting commands into one
// WriteBatch, writes and syncs once, then wakes the others). The group
// commit is pipelined: once a leader has judged its group it hands the lead
// on, so the next group is judged and encoded while this one syncs; groups
// are written in the order they were judged, and every answer waits for its
// own group's sync (docs/storage.md, "The pipelined group commit").
//
// Defined in: ledger_impl.cc (open, close, queries), submit_calls.cc (the
// Submit calls: preparing and queueing), group_commit.cc (the queue, its
// leaders, judging and writing groups), judge_command.cc (one command in
// its group), state_cache.cc (the customer cache), and the files named by
// the calls of ledger.h they hold (pages_call.cc, backup_call.cc, ...).
#ifndef CREDIT_LEDGER_LEDGER_WRITE_PATH_LEDGER_IMPL_H_
#define CREDIT_LEDGER_LEDGER_WRITE_PATH_LEDGER_IMPL_H_

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "ledger/ledger.h"
#include "ledger/time_util.h"
#include "ledger/write_path/commit_feed.h"
#include "ledger/write_path/customer_lru.h"
#include "ledger/write_path/customer_prefetch.h"
#include "ledger/write_path/refusal_journal.h"
#include "ledger/storage/store.h"
#include "projections/apply.h"
#include "projections/ledger_state.h"

namespace ledger {

class LedgerImpl final : public Ledger {
 public:
  LedgerImpl(const Options& options, std::unique_ptr<Store> store);
  // Closes the ledger (Close) when the embedder did not, dropping its status.
  ~LedgerImpl() override;
  // Reads the head (checking it names the log's last event) and the policy
  // versions: nothing that grows with the log or the customers.
  [[nodiscard]] absl::Status Restore();
  // docs/contract.md section 16: an actor is recorded in every event it
  // issues, so it is bounded like an id and readable in every view
  // (Options::actor at Open, and each actor a call gives).
  static absl::Status CheckActor(const std::string& actor);

  // How many customers the writer's cache holds now (tests).
  size_t CachedCustomersForTest() const;
  // How many usages, holds and refunds the cache holds now (tests).
  size_t CachedEntitiesForTest() const;
  // How many subscriptions are blocked in Next waiting for an event (tests).
  size_t WaitingSubscribersForTest() const;
  // How many groups are judged (or being judged) and not yet written or
  // failed: 2 while one syncs and the next waits for its turn (tests).
  size_t GroupsInFlightForTest() const;
  // How many customers judging took from a read ahead (customer_prefetch.h)
  // rather than reading them itself (tests).
  uint64_t CustomersReadAheadForTest() const {
    return customers_read_ahead_.load(std::memory_order_relaxed);
  }
  // How many customers groups listed to be read ahead: those judging took
  // from the helper and those it read itself, the helper not there yet. Set
  // by the groups and the cache alone, where the split between the two
  // depends on the threads' timing (tests).
  uint64_t CustomersListedAheadForTest() const {
    return customers_listed_ahead_.load(std::memory_order_relaxed);
  }

  absl::StatusOr<SubmitResult> Submit(const v1::Command& command) override;
  absl::StatusOr<SubmitResult> SubmitJson(std::string_view json) override;
  absl::StatusOr<std::vector<SubmitResult>> SubmitBatch(
      std::span<const v1::Command> commands) override;
  absl::StatusOr<std::vector<SubmitResult>> SubmitJsonBatch(
      std::span<const std::string> lines) override;
  absl::StatusOr<std::vector<SubmitResult>> SubmitBatchInOrder(
      std::span<const v1::Command> commands,
      const std::function<void()>& queued) override;
  absl::StatusOr<std::vector<SubmitResult>> SubmitJsonBatchInOrder(
      std::span<const std::string> lines,
      const std::function<void()>& queued) override;
  absl::StatusOr<std::vector<SubmitResult>> SubmitBatchAs(
      std::span<const v1::Command> commands,
      std::span<const std::string> actors) override;
  absl::StatusOr<std::vector<SubmitResult>> SubmitBatchAt(
      std::span<const v1::Command> commands,
      std::span<const Receipt> receipts,
      uint64_t applied_position) override;
  absl::StatusOr<std::vector<SubmitResult>> SubmitBatchReceivedAt(
      std::span<const v1::Command> commands,
      std::span<const Receipt> receipts) override;
  uint64_t AppliedPosition() const override;
  absl::StatusOr<Balance> GetBalance(const std::string& customer,
                                     int64_t at_us) const override;
  // In pages_call.cc.
  absl::StatusOr<CustomerPage> ListCustomers(const std::string& after,
                                             size_t limit,
                                             int64_t at_us) const override;
  absl::StatusOr<PendingRefundPage> PendingRefunds(const std::string& after,
                                                   size_t limit) const override;
  uint64_t LastSeq() const override;
  // In customer_reads.cc.
  absl::StatusOr<Balance> GetBalanceAsOf(const std::string& customer,
                                         int64_t as_of_us) const override;
  absl::StatusOr<CustomerEventPage> ReadCustomerEvents(
      const std::string& customer, uint64_t from_seq,
      size_t limit) const override;
  absl::Status ReadEvents(
      uint64_t from_seq,
      const std::function<bool(const v1::Event&)>& fn) const override;
  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(
      uint64_t from_seq) override;
  absl::Status CheckWritable() override;
  // In backup_call.cc.
  absl::StatusOr<BackupInfo> Backup(const std::string& to) override;
  // In delivery_cursor.cc.
  absl::Status SetDeliveryCursor(const std::string& name,
                                 uint64_t seq) override;
  absl::StatusOr<uint64_t> DeliveryCursor(
      const std::string& name) const override;
  absl::Status Close() override;

 private:
  // What every call returns once Close was called.
  static absl::Status ClosedError();
  // A rejection's result, and the key a command names (none when it has
  // no key): shared by preparing (INVALID_COMMAND) and judging.
  static SubmitResult Rejected(std::optional<std::string> key,
                               v1::RejectionCode code, std::string message);
  static std::optional<std::string> KeyOf(const v1::Command& command);

  // A command after docs/contract.md section 5 step 1, done by the submitting
  // thread.
  struct Prepared {
    v1::Command command;      // canonical
    std::string fingerprint;  // of the canonical command
    std::optional<SubmitResult> invalid;  // INVALID_COMMAND, when it is
    // The writer's clock when the command arrived (docs/contract.md section
    // 15), or kNoReceivedTimeUs; read only when the command has no `at`.
    int64_t received_at_us = kNoReceivedTimeUs;
    // docs/contract.md section 16: the event's actor and recorded_at (0:
    // none, a command repeated from before they existed).
    std::string actor;
    int64_t recorded_at_us = 0;
  };
  // One Submit / SubmitBatch call waiting in the queue.
  struct Writer {
    Writer(std::vector<Prepared>* c, std::vector<SubmitResult>* r)
        : commands(c), results(r) {}
    std::vector<Prepared>* commands;
    std::vector<SubmitResult>* results;
    uint64_t applied_position = 0;  // SubmitBatchAt's; 0: none
    // Set when judging refuses the whole call (a SubmitBatchAt position not
    // above one already judged): its answer once the group is written.
    absl::Status refused;
    absl::Status status;
    bool done = false;
    absl::CondVar cv;
  };
  // A key accepted by a group not yet on disk: its seq and the fingerprint
  // of its command (owned by the group's Writer, which outlives the write).
  struct InFlightKey {
    uint64_t seq = 0;
    const std::string* fingerprint = nullptr;
  };
  // A group judged and folded into the state, waiting for its turn to be
  // written or being written: what its write needs, on its leader's stack.
  struct Judged {
    uint64_t ticket = 0;  // the order groups are judged, and written, in
    bool ticketed = false;  // a ticket was taken: its slot is retired once
    rocksdb::WriteBatch batch;
    bool refusals_only = false;  // no event and no position: unsynced
    uint64_t last_seq = 0;
    uint64_t position = 0;  // the group's highest SubmitBatchAt position
    size_t events = 0;
  };
  // Groups judged and not yet written, at most: the one syncing and the
  // next, judged meanwhile.
  static constexpr uint64_t kMaxGroupsInFlight = 2;
  // What the other group in flight and the queries must know of a group
  // not yet on disk. Each group's own, built while it is judged as the
  // single writer always built them, so a lone caller pays nothing for the
  // pipeline: a later group and the queries look into it only while it is
  // in flight (in_flight_[ticket % kMaxGroupsInFlight], active), and it is
  // emptied, not erased key by key, once the group is written.
  struct InFlightGroup {
    bool active = false;
    uint64_t ticket = 0;
    // Keys the group accepted, with their seq (CheckKey).
    absl::flat_hash_map<std::string, InFlightKey> keys;
    // Customers the group named, whose entities ShrinkCache trims.
    absl::flat_hash_set<std::string> customers;
    // Customers the group changed, and whether it set a policy (which
    // changes every balance): queries of them wait for its write.
    absl::flat_hash_set<std::string> changed;
    bool policy = false;
    // Empties the sets, keeping their memory up to absl's own bound.
    void Clear();
  };

  static Prepared Prepare(const v1::Command& command, const Receipt& receipt);
  static Prepared PrepareJson(std::string_view json, const Receipt& receipt);
  // Options::clock, or the system clock: the time a command without `at`
  // is stamped with. Read once per submitting call.
  int64_t ReceivedNow() const;
  // The receipt of a call that names no clock: ReceivedNow and `actor`.
  Receipt ReceivedNowBy(std::string actor) const;
  // The commands of SubmitBatchAt and SubmitBatchReceivedAt, prepared with
  // the clock the caller gives; InvalidArgument on a count that does not
  // match, or over max_batch_commands.
  absl::StatusOr<std::vector<Prepared>> PrepareReceived(
      std::span<const v1::Command> commands,
      std::span<const Receipt> receipts) const;
  // SubmitBatch's commands prepared, or InvalidArgument past
  // max_batch_commands; PrepareJsonLines the same for SubmitJsonBatch's.
  absl::StatusOr<std::vector<Prepared>> PrepareBatch(
      std::span<const v1::Command> commands) const;
  absl::StatusOr<std::vector<Prepared>> PrepareJsonLines(
      std::span<const std::string> lines) const;
  // InvalidArgument for a batch of more than max_batch_commands commands.
  absl::Status CheckBatchSize(size_t commands) const;
  // `commands` prepared, command i with receipt_of(i), in slices on several
  // threads when the batch is large (kCommandSlices).
  std::vector<Prepared> PrepareCommands(
      std::span<const v1::Command> commands,
      const std::function<const Receipt&(size_t)>& receipt_of) const;
  // Queues the call, then leads a group or waits for its answer.
  // `queued`, when not null, is called once the call is in the queue
  // (SubmitBatchInOrder).
  absl::StatusOr<std::vector<SubmitResult>> Run(
      std::vector<Prepared>& commands, uint64_t applied_position = 0,
      const std::function<void()>* queued = nullptr);
  // Judges and folds `group` under the state lock (after the space check),
  // leaving in `judged` what its write needs; waits first while
  // kMaxGroupsInFlight groups are in flight. Until the group before it is
  // written, it adds the writers queued behind `group` to it (up to
  // Options::max_group_commands) and judges them too. Holds space_mu_.
  absl::Status JudgeGroup(std::vector<Writer*>& group, Judged& judged);
  // The in_flight_ slot of the group with `ticket`.
  InFlightGroup& SlotOf(uint64_t ticket)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_) {
    return in_flight_[ticket % kMaxGroupsInFlight];
  }
  // Once `ticket`'s group is written, failed or refused: no later group or
  // query looks into its slot any more. Nothing when the slot is another
  // group's (or was emptied by ForgetFailedGroup).
  void Retire(uint64_t ticket) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // Waits for the turn of `judged` (every group judged before it written),
  // writes it (synced, unless refusals only) and makes it durable in the
  // state; fails when a group before it failed.
  absl::Status WriteJudged(Judged& judged, const std::vector<Writer*>& group);
  // OK when a group may be written now; else the disk-full Unavailable
  // (Options::min_free_disk_bytes, or a store RocksDB found out of space
  // that has no room yet to resume). Resumes the store once it has.
  absl::Status EnsureWritable() ABSL_EXCLUSIVE_LOCKS_REQUIRED(space_mu_);
  // Reads what the state starts from (head, policy versions, applied
  // position) from the store, checking that the head names the log's last
  // event. Customers are read when a command names them.
  absl::Status LoadDurable() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // Builds the pending-refund queue from the stored refunds when the
  // store has none yet (a ledger made before it; docs/storage.md). In
  // pending_refund_queue.cc.
  absl::Status BuildPendingRefundQueue();
  // After a group's write failed for want of space: nothing of it is in
  // the store (a RocksDB write is all or none), but the state in memory
  // holds it, so it is dropped and the durable state read back.
  absl::Status ForgetFailedGroup() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // Makes every later call fail until the ledger is reopened; returns the
  // status they get.
  absl::Status Stop(const absl::Status& cause)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // Judges one command of the group; `read_ahead`, when not null, holds
  // the group's uncached customers read on a helper thread.
  absl::StatusOr<SubmitResult> Process(const Prepared& prepared,
                                       Judged& judged, InFlightGroup& group,
                                       CustomerPrefetch* read_ahead)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  absl::StatusOr<std::optional<SubmitResult>> CheckKey(
      const Prepared& prepared, const InFlightGroup& group) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // The fingerprint of the command of stored event `seq`, for KEY_REUSED.
  absl::StatusOr<std::string> StoredFingerprint(uint64_t seq) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // `*available` gets the customer's available credits right after the
  // command, at its `at` (docs/contract.md section 8); unset for set_policy.
  absl::Status Append(const Prepared& prepared, v1::Event& event,
                      InFlightGroup& group, rocksdb::WriteBatch& batch,
                      std::optional<int64_t>* available)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // Brings into the cache what judging `command` reads: its customer (from
  // `read_ahead` when it read it, else from the store), and the usage, hold
  // or refund it names by id (the rules read no other).
  absl::Status Fetch(const v1::Command& command, InFlightGroup& group,
                     CustomerPrefetch* read_ahead)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // The distinct customers the commands of `group` name that the cache
  // does not hold, in the order the group names them.
  std::vector<std::string> UncachedCustomers(
      const std::vector<Writer*>& group) const
      ABSL_SHARED_LOCKS_REQUIRED(state_mu_);
  // The stored state of `customer`: header and lots, and with
  // `for_rules` its pending holds and refunds too; nullopt when unknown.
  absl::StatusOr<std::optional<CustomerState>> ReadCustomer(
      const std::string& customer, bool for_rules) const;
  // Once the group is on disk (its slot no longer active): drops the
  // entities of `customers` (the group's) that no rule reads other than by
  // id, then the least recently used customers past
  // Options::state_cache_customers. A customer a later group changed is not
  // on disk yet: it keeps everything.
  void ShrinkCache(const absl::flat_hash_set<std::string>& customers)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // Puts the stored form of the entities `touched` names, as `customer`
  // now holds them, and the pending-refund queue's changes, into `batch`.
  void EncodeTouched(const CustomerState& customer,
                     const TouchedEntities& touched, rocksdb::WriteBatch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // The same for every customer touched_ names (what the later commands of
  // a customer in the group changed), as the state now holds it; empties
  // touched_.
  void FlushTouched(rocksdb::WriteBatch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // Whether a group not yet on disk changed `customer`.
  bool Unwritten(const std::string& customer) const
      ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    for (const InFlightGroup& g : in_flight_) {
      if (g.active && g.changed.contains(customer)) return true;
    }
    return false;
  }
  // Frees the state lock for the queries waiting for it (queries_waiting_),
  // between two commands of a group being judged, and takes it again.
  void LetQueriesIn() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_);
  // Waits until no group is being written (before RocksDB is resumed).
  void AwaitNoWriteInFlight() ABSL_LOCKS_EXCLUDED(state_mu_);
  // Writes a group of refusals only (no event, no position): unsynced, so
  // refusals cost no sync of their own; a crash may lose them, never an
  // acknowledged command. A full disk loses them silently (the store is
  // then out of space and the next group waits for room).
  absl::Status WriteRefusalsOnly(rocksdb::WriteBatch& batch);
  // Whether a balance of `customer` can be answered now (see state_mu_).
  bool AnswerableNow(const std::string& customer) const
      ABSL_SHARED_LOCKS_REQUIRED(state_mu_);

  const Options options_;
  const std::unique_ptr<Store> store_;
  // Rejected commands, written with each group (refusal_journal.h); used by
  // the group's leader only, under state_mu_.
  RefusalJournal journal_ ABSL_GUARDED_BY(state_mu_);
  // Tells subscriptions what is durable; shared with them because they may
  // outlive the ledger. Set in Restore.
  std::shared_ptr<CommitFeed> feed_;

  // Held by the leader around the space check and the judging of its group
  // (not its write: the next group is judged meanwhile), by CheckWritable,
  // and by Close around closing the store: only one of them at a time
  // checks the disk or resumes the store, which waits for the writes in
  // flight first (AwaitNoWriteInFlight). Taken before state_mu_.
  absl::Mutex space_mu_ ABSL_ACQUIRED_BEFORE(state_mu_);

  absl::Mutex queue_mu_;
  std::deque<Writer*> queue_ ABSL_GUARDED_BY(queue_mu_);
  // Set by Close: no writer joins the queue any more.
  bool closing_ ABSL_GUARDED_BY(queue_mu_) = false;
  // Groups that left the queue once judged and are not answered yet: Close
  // waits for them too.
  size_t groups_answering_ ABSL_GUARDED_BY(queue_mu_) = 0;

  // Serializes Close calls; holds the first one's answer for the others.
  absl::Mutex close_mu_;
  std::optional<absl::Status> closed_ ABSL_GUARDED_BY(close_mu_);

  // Held shared by ReadEvents while it reads the store, which it does
  // outside state_mu_; Close holds it exclusively to close the store.
  mutable absl::Mutex store_mu_;

  // Held exclusively by the leader while it judges and folds its group, and
  // again once the group's write returned; queries hold it shared. While
  // groups are in flight, a query waits only if one of them changed what it
  // reads (AnswerableNow), so none sees a command not on disk.
  mutable absl::Mutex state_mu_;
  // Queries waiting to take state_mu_ (GetBalance): the leader lets them in
  // between two commands rather than after its whole group.
  mutable std::atomic<int> queries_waiting_{0};
  // CustomersReadAheadForTest's and CustomersListedAheadForTest's counts.
  std::atomic<uint64_t> customers_read_ahead_{0};
  std::atomic<uint64_t> customers_listed_ahead_{0};
  // A cache of the stored state (docs/storage.md, "Memory"): the policy
  // versions, and the customers of lru_. What no group in flight changed is
  // on disk, so it may be dropped and read again; the customers a group
  // changed stay until it is written (in_flight_, Unwritten).
  LedgerState state_ ABSL_GUARDED_BY(state_mu_);
  CustomerLru lru_ ABSL_GUARDED_BY(state_mu_);
  // The groups in flight, by ticket % kMaxGroupsInFlight (InFlightGroup).
  InFlightGroup in_flight_[kMaxGroupsInFlight] ABSL_GUARDED_BY(state_mu_);
  // The entities the later commands of a customer in the group being judged
  // changed (its first command's are written at once): encoded once, at
  // the end of the group (FlushTouched), however many commands changed them.
  absl::flat_hash_map<std::string, TouchedEntities> touched_
      ABSL_GUARDED_BY(state_mu_);
  // The pipeline: tickets are handed out as groups start being judged;
  // write_turn_ is the ticket that may write now (every group before it is
  // written or failed). next_ticket_ - write_turn_ groups are in flight.
  uint64_t next_ticket_ ABSL_GUARDED_BY(state_mu_) = 0;
  uint64_t write_turn_ ABSL_GUARDED_BY(state_mu_) = 0;
  // After a group failed for want of space (ForgetFailedGroup), every group
  // with a ticket below forget_before_ was judged on the state that group
  // left and is refused with forget_status_ when its turn comes.
  uint64_t forget_before_ ABSL_GUARDED_BY(state_mu_) = 0;
  absl::Status forget_status_ ABSL_GUARDED_BY(state_mu_);
  std::string head_hash_ ABSL_GUARDED_BY(state_mu_);
  // The last seq on disk; state_.last_seq runs ahead of it while a group is
  // being judged, and stays ahead after a failed write.
  uint64_t durable_seq_ ABSL_GUARDED_BY(state_mu_) = 0;
  // The durable kAppliedPositionKey (SubmitBatchAt); 0 when none.
  uint64_t applied_position_ ABSL_GUARDED_BY(state_mu_) = 0;
  // The highest SubmitBatchAt position judged, in flight or durable: a
  // later call must be above it, so the stored position never goes back
  // when two positioned calls are in flight at once.
  uint64_t judged_position_ ABSL_GUARDED_BY(state_mu_) = 0;
  // Set by the first failed write (the in-memory state may then be ahead of
  // the disk) or by Close: FailedPrecondition, which every call then returns
  // until the ledger is reopened.
  absl::Status failed_ ABSL_GUARDED_BY(state_mu_);
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_WRITE_PATH_LEDGER_IMPL_H_
