// The C library's allocator set for an audit that holds a memory budget
// (`replay`, `liability`: --memory-budget-mib). The budget bounds what the
// audit holds; glibc's allocator then keeps, beside it, what its threads
// freed: one arena per thread that allocated under contention (the fold
// threads, and RocksDB's flush and compaction threads of the scratch
// databases), each holding its freed blocks for that thread, and large
// buffers kept on the heap once the allocator has raised its threshold
// for mapping them. On a ten-million-event log that was a fifth of a
// bounded audit's peak, and it grew with the history
// (docs/audit.md, "Memory the allocator keeps").
//
// This is the process's setting, not the library's: ledgerctl makes it
// for the commands above, before they start a thread; a program linking
// the library decides for itself (the same settings are glibc's
// MALLOC_ARENA_MAX and MALLOC_MMAP_THRESHOLD_ variables).
#ifndef CREDIT_LEDGER_TOOLS_LEDGERCTL_AUDIT_ALLOCATOR_H_
#define CREDIT_LEDGER_TOOLS_LEDGERCTL_AUDIT_ALLOCATOR_H_

#include <cstddef>

namespace ledger::tools {

// The allocator's settings for a bounded audit.
struct AuditAllocator {
  // Arenas at most, or 0 to leave glibc's default (eight a core). One,
  // shared by every thread, lets a block one thread frees serve every
  // other; it costs threads that allocate at once waiting for each other:
  // the liability report folds on one thread and takes it, replay's fold
  // threads do not (it cost replay a sixth more CPU).
  int max_arenas = 1;
  // Blocks of this size or more are mapped on their own and returned to
  // the system when freed, at a fixed threshold (glibc raises its default
  // one to the largest block freed, up to 32 MiB, keeping such blocks on
  // the heap from then on).
  size_t mmap_threshold_bytes = size_t{128} << 10;
};

// Applies `settings` to this process's allocator unless the environment
// sets them already (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_, or
// GLIBC_TUNABLES): an operator's choice wins. To be called before the
// audit starts a thread. Returns whether every setting took.
bool BoundAllocatorForAudit(const AuditAllocator& settings = AuditAllocator());

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_LEDGERCTL_AUDIT_ALLOCATOR_H_
