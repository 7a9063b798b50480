// Options for Ledger::Open. A plain struct: each field says its default.
#ifndef CREDIT_LEDGER_LEDGER_OPTIONS_H_
#define CREDIT_LEDGER_LEDGER_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace ledger {

// What one group commit wrote: one RocksDB WriteBatch and, with
// Options::sync, one sync of the write-ahead log. See
// Options::on_group_committed.
struct CommitStats {
  // Calls (Submit, SubmitBatch, SubmitJson, SubmitJsonBatch) merged into the
  // group.
  size_t calls = 0;
  // Commands the group judged, of all its calls: accepted, duplicates and
  // rejections alike.
  size_t commands = 0;
  // Events written: the accepted commands among them.
  size_t events = 0;
  // Bytes of the WriteBatch written (events, key records, projections, head).
  size_t bytes = 0;
  // Time of the write and, with Options::sync, the sync: the fsync cost one
  // group paid.
  std::chrono::nanoseconds write_duration{0};
};

struct Options {
  // Create the ledger when `dir` is missing or empty. An existing folder that
  // is not a ledger is never written to. Default: true.
  bool create_if_missing = true;

  // Sync the write-ahead log before any command of a group is acknowledged.
  // With false, acknowledged commands survive a crash of the process but the
  // last moments may be lost on a crash of the machine. Default: true.
  bool sync = true;

  // Most commands the writer merges from several calls into one group (one
  // WriteBatch, one sync). A call is never split: one SubmitBatch or
  // SubmitJsonBatch of more commands is committed as a group of its own, so
  // the real bound on a group is max(max_group_commands,
  // max_batch_commands). Must be at least 1 (Open: InvalidArgument).
  // Default: 4096.
  size_t max_group_commands = 4096;

  // Most commands one SubmitBatch or SubmitJsonBatch call may carry
  // (InvalidArgument past that). Must be at least 1 (Open:
  // InvalidArgument). Default: 100000.
  size_t max_batch_commands = 100000;

  // Most customers whose state the writer keeps in memory between groups
  // (header, lots, pending holds and refunds); the others are read from
  // the store when a command or a balance names them. Usages, and holds and
  // refunds that are no longer pending, are never kept past their group:
  // the rules read them by id, from the store. A group's own customers stay
  // in memory until it is on disk, so a group may lift the count above this
  // bound until it is written. 0 keeps none between groups (every command
  // then reads its customer from the store; tests use it).
  // Default: 100000, about 100 MB at the ~1 KB a customer with a few lots
  // takes (docs/benchmarks.md): enough for the customers with calls in
  // progress on a large platform, so the hot path reads no disk, while a
  // ledger of millions of customers opens in constant time and memory.
  size_t state_cache_customers = 100000;

  // Bytes of RocksDB's block cache, shared by the ledger's key families,
  // which also holds their index and bloom-filter blocks, so RocksDB's own
  // memory does not grow with the log either. Default: 64 MiB (the filters
  // of ~50 million keys and the hot data blocks).
  size_t block_cache_bytes = size_t{64} << 20;

  // A floor of free space on the ledger's disk (bytes an unprivileged
  // writer may still use there, statvfs's f_bavail). Below it the writer
  // refuses a group before writing any of it, with the disk-full
  // Unavailable (IsDiskFull, ledger.h), and takes writes again by itself
  // once the disk has room: RocksDB then never runs out in the middle of a
  // group, and its memtable flushes and compactions, which need room of
  // their own, keep it (etcd's space quota does the same for its
  // database). Reads are not affected. 0 turns the floor off (writes go on
  // until RocksDB itself finds the disk full, which the ledger also
  // survives, docs/reliability.md). Default: 256 MiB, enough to flush every
  // memtable (4 families of at most 64 MiB) and to leave room for a
  // compaction's output.
  uint64_t min_free_disk_bytes = uint64_t{256} << 20;

  // Called once after each group is written and synced, before any of its
  // callers is answered, on the thread that wrote the group, with no lock of
  // the ledger held. A group whose commands were all rejected or duplicates
  // writes nothing and is not reported, unless it carries a SubmitBatchAt
  // position, which is written (reported with events == 0); a failed write
  // is not reported (the calls get the error). For metrics: it delays every caller of the group
  // and the next group, so it must be cheap (a few counter updates), must
  // not block, and must not call into the Ledger (it may deadlock or
  // fail). Default: empty (not called).
  std::function<void(const CommitStats&)> on_group_committed;

  // How long the refusal journal keeps a rejected command (docs/audit.md,
  // "What was refused"): each rejection is recorded, with its code,
  // message, actor and the writer's clock, beside the log (never in it),
  // and records older than this are dropped, checked at most once a minute.
  // Zero records none. Must be 0 to 1000 years (Open: InvalidArgument).
  // Default: 90 days, long enough to answer "why was my refund refused?"
  // through a quarter's statements and a card dispute's usual window, and
  // short enough that the journal, a few hundred bytes a refusal, stays a
  // small fraction of the log (docs/storage.md, "The refusal journal").
  std::chrono::seconds rejection_retention = std::chrono::hours(24 * 90);

  // The writer's clock, in microseconds since the epoch: a command sent
  // without `at` is stamped with it when it is submitted (docs/contract.md
  // section 15), raised to the customer's last time. Read on the
  // submitting thread, once per such command, never by the rules, so
  // replay judges from the stored time alone. Tests give a fixed one.
  // Default: empty, the system clock.
  std::function<int64_t()> clock;

  // docs/contract.md section 16: the actor the events of Submit,
  // SubmitJson, SubmitBatch and SubmitJsonBatch record, who issued them
  // (`ledgerctl apply`: --actor, by default the operating system's user
  // name). A service with many callers names each call's actor with
  // Ledger::SubmitBatchAs instead. At most kMaxIdLength bytes of UTF-8
  // (Open: InvalidArgument). Every accepted event also records the clock
  // above, when it was accepted, as its recorded_at. Default: empty, no
  // actor recorded (as in events written before actors existed).
  std::string actor;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_OPTIONS_H_
