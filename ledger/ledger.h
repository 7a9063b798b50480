// The credit ledger's public API: open a ledger, submit commands, query
// balances. Commands, their rules and the rejection codes in their order
// are docs/contract.md; the types of commands are the generated protobuf
// messages of proto/ledger/v1/.
//
// A Ledger is thread-safe: any number of threads may Submit and query at
// once. Commands are validated one at a time in the order the single writer
// takes them, so no credit is ever spent twice, and are committed in groups:
// one RocksDB WriteBatch and one sync for all the commands waiting. A call
// returns only after its command is durable. Consumers downstream follow
// the log with Subscribe (subscription.h).
//
// A full disk: when the ledger's disk is full (RocksDB found no room for a
// write, a sync, a flush or a compaction) or has less free space than
// Options::min_free_disk_bytes, every write (Submit and the batches) fails
// with Unavailable, IsDiskFull(status) true, before any of its commands is
// judged; queries keep answering. Writes resume by themselves, without a
// reopen, once there is room again: retry later (keys make it safe).
//
// Stopped ledgers: after a write or sync of the store failed other than for
// want of space, or after
// Close, every call below fails with FailedPrecondition (LastSeq, which
// cannot fail, keeps answering the last durable seq) until the ledger is
// closed and opened again. Do not retry such a call: no retry succeeds
// before the reopen, which reads back what the disk really holds.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<ledger::Ledger> db,
//                    ledger::Ledger::Open(ledger::Options(), "/var/ledger"));
//   ASSIGN_OR_RETURN(ledger::SubmitResult r, db->SubmitJson(line));
//   if (r.outcome == ledger::Outcome::kRejected) { ... r.code, r.message ... }
#ifndef CREDIT_LEDGER_LEDGER_LEDGER_H_
#define CREDIT_LEDGER_LEDGER_LEDGER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/balance.h"
#include "ledger/limits.h"
#include "ledger/options.h"
#include "ledger/pages.h"
#include "ledger/subscription.h"
#include "ledger/time_util.h"
#include "ledger/v1/command.pb.h"
#include "ledger/v1/event.pb.h"
#include "ledger/v1/types.pb.h"

namespace ledger {

// Whether `status` is the Unavailable a write gets while the ledger's disk
// is full or under Options::min_free_disk_bytes. Its message names the
// folder and the free space, and says what to do.
bool IsDiskFull(const absl::Status& status);

enum class Outcome {
  kAccepted,   // a new event; `seq` is its sequence number
  kDuplicate,  // the key's earlier acceptance; `seq` is that event's
  kRejected,   // nothing changed; `code` and `message` say why
};

// The name of an outcome, for logs, metrics labels and messages:
// "ACCEPTED", "DUPLICATE" or "REJECTED"; "UNKNOWN" for a value outside the
// enum (never produced by the ledger). A rejection's reason is its
// v1::RejectionCode, named by v1::RejectionCode_Name(code). On the command
// line and in the service a duplicate is shown as status ACCEPTED with
// "duplicate": true (docs/contract.md section 7); this name tells the two
// apart in one word.
constexpr std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kAccepted: return "ACCEPTED";
    case Outcome::kDuplicate: return "DUPLICATE";
    case Outcome::kRejected: return "REJECTED";
  }
  return "UNKNOWN";
}

// docs/contract.md section 12: a balance alert threshold an accepted command
// moved (state TRIGGERED or RESOLVED).
struct AlertMove {
  std::string code;
  int64_t credits = 0;
  v1::AlertState state = v1::ALERT_STATE_UNSPECIFIED;
};

// docs/contract.md section 12: the top-up request an accepted command made.
struct TopUpRequest {
  std::string request_id;  // "topup-<n>"
  int64_t credits = 0;     // target - available
};

// The answer to one command. A rejection under the policy is an outcome, not
// an error: errors of the store come back as a non-OK absl::Status instead.
struct SubmitResult {
  std::optional<std::string> key;  // absent when the input had none
  Outcome outcome = Outcome::kRejected;
  uint64_t seq = 0;  // for kAccepted and kDuplicate
  // For kAccepted of every kind but set_policy: the customer's available
  // credits (docs/contract.md section 1) at the command's `at`, right after the
  // command, so a call worker knows when to hang up without a second query.
  // Absent for set_policy, duplicates and rejections.
  std::optional<int64_t> available;
  // For kAccepted, when the ledger chose the time the command was judged at
  // (docs/contract.md section 15): the command had no `at` and was stamped
  // with the writer's clock (raised to the customer's last time), or its
  // `at` was within the skew tolerance before the customer's last time and
  // it was judged at that time. Absent when judged at its own `at`, for
  // duplicates and for rejections.
  std::optional<int64_t> at_us;
  // For kAccepted only (docs/contract.md section 12): the thresholds the
  // command moved, credits descending then code, and the top-up request it
  // made. A duplicate carries neither: it is the original acceptance, and
  // the original answer already told.
  std::vector<AlertMove> alerts;
  std::optional<TopUpRequest> top_up;
  v1::RejectionCode code = v1::REJECTION_CODE_UNSPECIFIED;  // for kRejected
  std::string message;  // for kRejected: what was wrong and what to do
};

// docs/contract.md sections 15 and 16: how one command of SubmitBatchAt or
// SubmitBatchReceivedAt arrived, which the ledger records, never the client.
struct Receipt {
  // The clock of the node that received the command, in microseconds since
  // the epoch: a command without `at` is stamped with it, and the event
  // records it as its recorded_at. kNoReceivedTimeUs: none (a command
  // without `at` is then INVALID_COMMAND, and the event records no time).
  int64_t received_at_us = kNoReceivedTimeUs;
  // Who sent the command: the event's actor (at most kMaxIdLength bytes of
  // UTF-8). Empty: none recorded.
  std::string actor;
  // The recording time to keep instead of received_at_us, for a caller
  // that repeats a log whose events already hold one (the checked import
  // keeps each exported event's; 0 for an event that has none).
  std::optional<int64_t> recorded_at_us;
};

// What Ledger::Backup wrote (docs/operations.md, "Backup").
struct BackupInfo {
  std::string dir;  // the copy's folder: `to`, made absolute
  // The copy's head: its last event's seq and that event's chained hash
  // (32 bytes; 32 zero bytes for an empty ledger), the digest
  // `ledgerctl digest` prints on the copy and every later digest of the
  // ledger extends.
  uint64_t last_seq = 0;
  std::string head_hash;
  // The copy's AppliedPosition(): where a cluster replica seeded from it
  // resumes reading its partition's stream (0 outside a cluster).
  uint64_t applied_position = 0;
};

// One event of a customer's history as the ledger stores it, with what
// `ledgerctl export` prints for it (ExportCustomerEvent, export.h).
struct CustomerEvent {
  uint64_t seq = 0;
  std::string hash;   // SHA-256(prev_hash || bytes), 32 bytes
  std::string bytes;  // the serialized v1::Event exactly as stored
  v1::Event event;    // `bytes` parsed, derived header fields refilled
};

// One page of a customer's events, oldest first, read from one snapshot.
struct CustomerEventPage {
  std::vector<CustomerEvent> events;
  // The seq to ask for next (the customer's next event after this page);
  // nullopt when this page ends the history as the snapshot held it.
  std::optional<uint64_t> next_from_seq;
};

// The most events one page of a customer's history holds.
inline constexpr size_t kMaxCustomerEventPage = 1000;

class Ledger {
 public:
  // Opens the ledger in `dir`, restoring its state. Creates it when `dir` is
  // missing or empty and options.create_if_missing. Fails with:
  // - InvalidArgument: options.max_group_commands or max_batch_commands is 0.
  // - NotFound: `dir` is missing or empty and !options.create_if_missing.
  // - FailedPrecondition: `dir` holds something that is not a ledger, or a
  //   ledger of another format; nothing in it is written.
  // - Aborted: another process, or another Ledger open in this process,
  //   has the ledger open (RocksDB's LOCK is held): one writer at a time.
  //   Open it again once that one has closed.
  // - DataLoss: the ledger is corrupt (damaged files, a head that does not
  //   match the log); run `ledgerctl replay`.
  // - Unavailable: the file system failed (I/O error, cannot create `dir`).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Ledger>> Open(
      const Options& options, const std::string& dir);

  // Closes the ledger as Close does, when it was not closed; the status of
  // closing is lost then.
  virtual ~Ledger() = default;
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Validates and, when accepted, durably appends one command. Returns the
  // outcome; a non-OK status only when the disk is full (Unavailable,
  // IsDiskFull: nothing of the call was judged or written; retry once
  // there is room) or when the ledger is stopped: the store failed while
  // writing this command's group (nothing of the group was acknowledged)
  // or earlier, or Close was called. Then FailedPrecondition, here and
  // from every later call, until the ledger is reopened.
  [[nodiscard]] virtual absl::StatusOr<SubmitResult> Submit(
      const v1::Command& command) = 0;

  // Like Submit, for one JSON object of docs/contract.md section 4. Input that
  // is not a valid command (not JSON, over kMaxLineBytes, unknown field, ...)
  // is a kRejected INVALID_COMMAND outcome, with `key` when one could be read.
  // FailedPrecondition as Submit when the ledger is stopped.
  [[nodiscard]] virtual absl::StatusOr<SubmitResult> SubmitJson(
      std::string_view json) = 0;

  // Submits many commands in one call: results are those of submitting each
  // in order, and all are durable when it returns. At most
  // options.max_batch_commands commands (InvalidArgument past that). A batch
  // is committed whole in one group, never split. FailedPrecondition as
  // Submit when the ledger is stopped: then no result of the batch holds.
  [[nodiscard]] virtual absl::StatusOr<std::vector<SubmitResult>> SubmitBatch(
      std::span<const v1::Command> commands) = 0;

  // SubmitBatch on behalf of several callers (a service merging the calls
  // of many clients): each accepted event records actors[i] as its actor
  // (docs/contract.md section 16) instead of Options::actor, and the
  // writer's clock as its recorded_at. One actor per command, each at most
  // kMaxIdLength bytes of UTF-8 (InvalidArgument otherwise, and nothing of
  // the batch is judged). Errors as SubmitBatch.
  [[nodiscard]] virtual absl::StatusOr<std::vector<SubmitResult>> SubmitBatchAs(
      std::span<const v1::Command> commands,
      std::span<const std::string> actors) = 0;

  // For a replica applying an external ordered log (a cluster partition,
  // docs/cluster.md): SubmitBatch, and, in the same atomic write, stores
  // `applied_position` (the log position of this batch), so the state and
  // the position never disagree after a crash. Written even when no
  // command of the batch is accepted. InvalidArgument when applied_position
  // is not above AppliedPosition() (a batch is applied once), and as
  // SubmitBatch otherwise.
  //
  // `receipts` gives, per command, the clock of the node that received it,
  // which stamps a command without `at` (docs/contract.md section 15) in
  // place of Options::clock and is recorded as the event's recorded_at, and
  // the actor that node authenticated (section 16), so that every replica
  // writes the same event: one entry per command (InvalidArgument
  // otherwise, or for an actor SubmitBatchAs refuses), or empty for none
  // (no time: a command without `at` is then INVALID_COMMAND; no actor).
  [[nodiscard]] virtual absl::StatusOr<std::vector<SubmitResult>>
  SubmitBatchAt(std::span<const v1::Command> commands,
                std::span<const Receipt> receipts,
                uint64_t applied_position) = 0;

  // SubmitBatch with the writer's clock and the actor given per command, as
  // in SubmitBatchAt, instead of read from Options: for a caller that
  // repeats a log whose stamps are known (the checked import gives each
  // command its exported event's time, actor and recorded_at). Errors as
  // SubmitBatchAt, without the position.
  [[nodiscard]] virtual absl::StatusOr<std::vector<SubmitResult>>
  SubmitBatchReceivedAt(std::span<const v1::Command> commands,
                        std::span<const Receipt> receipts) = 0;

  // The position stored by the last durable SubmitBatchAt; 0 when none.
  // Never fails.
  virtual uint64_t AppliedPosition() const = 0;

  // SubmitBatch for JSON lines: one result per line, in order, with lines
  // that are not valid commands answered as SubmitJson answers them. Errors
  // as SubmitBatch.
  [[nodiscard]] virtual absl::StatusOr<std::vector<SubmitResult>>
  SubmitJsonBatch(std::span<const std::string> lines) = 0;

  // SubmitBatch for one caller that overlaps its own calls and keeps their
  // order (ledgerctl apply): `queued` is called, on the calling thread and
  // with no lock of the ledger held, once this call has its place in the
  // commit order and before its commands are judged. A call made after
  // `queued` returned is judged and written after this one, and may be
  // judged while this one's group syncs; each call still returns once its
  // own commands are durable. Not called when the call fails before it
  // queues (too many commands, a closed ledger). A failed write fails the
  // calls judged after it too; a call judged only after a full disk had
  // room again may succeed where the one before it failed. Errors as
  // SubmitBatch.
  [[nodiscard]] virtual absl::StatusOr<std::vector<SubmitResult>>
  SubmitBatchInOrder(std::span<const v1::Command> commands,
                     const std::function<void()>& queued) = 0;
  // SubmitJsonBatch with `queued`, as SubmitBatchInOrder.
  [[nodiscard]] virtual absl::StatusOr<std::vector<SubmitResult>>
  SubmitJsonBatchInOrder(std::span<const std::string> lines,
                         const std::function<void()>& queued) = 0;

  // The balance of docs/contract.md section 6 at `at_us` (microseconds since
  // the epoch, UTC).
  // NotFound for an unknown customer; InvalidArgument for an at_us outside
  // [kMinTimeUs, kMaxTimeUs] (time_util.h); FailedPrecondition when the
  // ledger is stopped.
  [[nodiscard]] virtual absl::StatusOr<Balance> GetBalance(
      const std::string& customer, int64_t at_us) const = 0;

  // A page of the ledger's customers (pages.h): those with ids after
  // `after` ("": from the first), in id order, at most `limit`
  // (1..kMaxPageLimit), with status and available credits at `at_us`, all
  // read from one snapshot of what is durable. O(limit): usages are never
  // read. InvalidArgument for a limit or at_us out of range;
  // FailedPrecondition when the ledger is stopped.
  [[nodiscard]] virtual absl::StatusOr<CustomerPage> ListCustomers(
      const std::string& after, size_t limit, int64_t at_us) const = 0;

  // A page of the refunds waiting for approve_refund or deny_refund
  // (pages.h), oldest request first, from the ledger's pending-refund queue
  // (kept with every event, never a scan of the refunds), from after the
  // cursor `after` ("": the oldest), at most `limit` (1..kMaxPageLimit),
  // read from one snapshot of what is durable. InvalidArgument for a
  // limit out of range or a cursor no page gave; FailedPrecondition when
  // the ledger is stopped.
  [[nodiscard]] virtual absl::StatusOr<PendingRefundPage> PendingRefunds(
      const std::string& after, size_t limit) const = 0;
  // The customer's state as its own events with `at` <= as_of_us leave it
  // (docs/ledgerctl.md, "A customer's past"), as a balance at as_of_us:
  // those events folded in seq order, read through the customer index in
  // O(the customer's events), with the policy in force at as_of_us. Not
  // today's lots seen at a time (GetBalance's `at_us`). NotFound when the
  // customer has no event at or before as_of_us; InvalidArgument for an
  // as_of_us outside [kMinTimeUs, kMaxTimeUs]; DataLoss for an index entry
  // without its event; FailedPrecondition when the ledger is stopped.
  [[nodiscard]] virtual absl::StatusOr<Balance> GetBalanceAsOf(
      const std::string& customer, int64_t as_of_us) const = 0;

  // One page of a customer's events, oldest first, read from one snapshot
  // through the customer index (docs/storage.md): at most `limit` events
  // with seq >= from_seq (from_seq 0 reads as 1). Its cost is the page's,
  // whatever the length of the log. InvalidArgument for a limit of 0 or
  // over kMaxCustomerEventPage; NotFound for a customer with no event at
  // all; DataLoss for an index entry without its event; FailedPrecondition
  // when the ledger is stopped.
  [[nodiscard]] virtual absl::StatusOr<CustomerEventPage> ReadCustomerEvents(
      const std::string& customer, uint64_t from_seq, size_t limit) const = 0;

  // Sequence number of the last durable event (0 for an empty ledger). Never
  // fails: a stopped ledger answers the last seq it made durable.
  virtual uint64_t LastSeq() const = 0;

  // Calls `fn` with each durable event whose seq >= from_seq, in log order,
  // until `fn` returns false or the log ends. Events committed while it runs
  // may or may not be seen. DataLoss when a stored event does not parse;
  // FailedPrecondition when the ledger is stopped (Close waits for a
  // ReadEvents in progress to return).
  [[nodiscard]] virtual absl::Status ReadEvents(
      uint64_t from_seq,
      const std::function<bool(const v1::Event&)>& fn) const = 0;

  // A catch-up subscription (subscription.h): every durable event from
  // `from_seq` on, in seq order, then each new one once it is durable. A
  // from_seq past the head waits for that event. InvalidArgument for
  // from_seq 0 (seqs start at 1); FailedPrecondition when the ledger is
  // stopped. A subscription open when the ledger stops ends: Next answers
  // the failed write's FailedPrecondition, or Aborted after Close.
  // Cheap: the subscription reads the store itself, never under the
  // writer's locks, so a slow consumer does not slow down Submit.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<Subscription>>
  Subscribe(uint64_t from_seq) = 0;

  // Writes a consistent copy of the ledger into the new folder `to`,
  // beside the writers: Submit, the queries and subscriptions go on
  // meanwhile. The copy is the ledger as some committed group left it
  // (every family, the head, the applied position, the delivery cursors,
  // the format marker: RocksDB's checkpoint, docs/operations.md), so it
  // opens as a ledger, `ledgerctl replay` and `verify` pass on it, and
  // every later digest of this ledger extends its digest. Table files
  // are hard links when `to` is on the ledger's file system (cheap, and
  // safe: RocksDB never changes a table file), copies otherwise. The copy
  // is made in `to` + ".partial" and renamed to `to` only once whole and
  // synced, with a LEDGER-BACKUP manifest, so a folder named `to` is
  // always a whole copy; a missing parent of `to` is created. Fails with:
  // - InvalidArgument: `to` is empty, or the ledger's folder or inside it;
  // - AlreadyExists: `to` exists, or `to`.partial (a backup cut short:
  //   remove it and call again); nothing is written;
  // - FailedPrecondition: the ledger is stopped;
  // - Unavailable: the disk is full (IsDiskFull), or the file system
  //   failed; what was staged is removed, and the ledger goes on.
  [[nodiscard]] virtual absl::StatusOr<BackupInfo> Backup(
      const std::string& to) = 0;

  // Whether writes are taken now: OK, or the disk-full Unavailable
  // (IsDiskFull) while the disk is full or under
  // Options::min_free_disk_bytes. When RocksDB had found the disk full and
  // there is room again, it resumes the store first (as the next write
  // would), so a health check that calls it every few seconds brings
  // writes back even when none arrive. FailedPrecondition when the ledger
  // is stopped. Cheap: one statvfs.
  [[nodiscard]] virtual absl::Status CheckWritable() = 0;
  // Delivery cursors: how far a consumer downstream of the ledger (such as
  // an endpoint of ledgerd's --webhooks, docs/webhooks.md) got through the
  // log, kept in the ledger so that a restart resumes where it stopped.
  // A cursor is not a fact of the ledger: no event records it, the hash
  // chain and digests do not cover it, and replay checks only its form and
  // that it names no event past the head (docs/storage.md).
  //
  // Stores `seq` (the last event the consumer has handled; 0: none) as the
  // cursor of `name`, durably (synced) in a write of its own, so a crash
  // keeps either the old cursor or the new one. InvalidArgument for a name
  // that is empty, longer than kMaxIdLength or not of [A-Za-z0-9._:-], or a
  // seq past LastSeq(); FailedPrecondition when the ledger is stopped; the
  // disk-full Unavailable (IsDiskFull) while the disk is full or under
  // Options::min_free_disk_bytes, which leaves the ledger running. Any
  // other failed write stops the ledger, as a failed commit does.
  [[nodiscard]] virtual absl::Status SetDeliveryCursor(const std::string& name,
                                                       uint64_t seq) = 0;

  // The stored cursor of `name`; 0 when none was stored. InvalidArgument
  // for a name SetDeliveryCursor refuses; FailedPrecondition when the
  // ledger is stopped; DataLoss for a malformed stored cursor.
  [[nodiscard]] virtual absl::StatusOr<uint64_t> DeliveryCursor(
      const std::string& name) const = 0;

  // Closes the ledger and returns what closing the store returned (the
  // destructor cannot). Calls already committing when Close starts finish as
  // usual: each either succeeds, durably, or fails with its error, and Close
  // waits for them and for any ReadEvents in progress. Calls that start
  // later, from any thread, fail with FailedPrecondition ("the ledger was
  // closed"); open subscriptions end with Aborted. Then the store is flushed
  // and closed: an error there (Unavailable, ...) loses nothing acknowledged,
  // which the WAL already holds. A second Close does nothing and returns
  // what the first returned. Thread-safe, but not from inside a ReadEvents
  // callback (it would wait for itself).
  [[nodiscard]] virtual absl::Status Close() = 0;

 protected:
  Ledger() = default;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_LEDGER_H_
