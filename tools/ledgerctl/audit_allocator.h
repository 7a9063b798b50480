// The C library's allocator set for an audit that holds a memory budget
// (`replay`, `liability`: --memory-budget-mib). The budget bounds what the
// audit holds; glibc's allocator keeps, beside it, what was freed. Its
// threshold for mapping a large block on its own (given back to the
// system when freed) rises to the largest such block freed, and from then
// on blocks of that size (a memtable's arena blocks, a compaction's
// buffers in the scratch databases) are cut from a heap whose pages stay
// when freed. On a ten-million-event log that was 7 to 15 MiB of a bounded
// audit's peak, and it grew with the history (docs/audit.md, "Memory the
// allocator keeps").
//
// This is the process's setting, not the library's: ledgerctl makes it
// for the commands above; a program linking the library decides for
// itself (glibc reads the same setting from MALLOC_MMAP_THRESHOLD_).
#ifndef CREDIT_LEDGER_TOOLS_LEDGERCTL_AUDIT_ALLOCATOR_H_
#define CREDIT_LEDGER_TOOLS_LEDGERCTL_AUDIT_ALLOCATOR_H_

#include <cstddef>

namespace ledger::tools {

// Blocks of this size or more are mapped on their own and given back when
// freed: glibc's starting threshold, kept fixed.
inline constexpr size_t kAuditMmapThresholdBytes = size_t{128} << 10;

// Fixes the allocator's mmap threshold at kAuditMmapThresholdBytes, unless
// the environment sets the allocator already (MALLOC_MMAP_THRESHOLD_ or
// GLIBC_TUNABLES): an operator's choice wins. Returns whether the setting
// took (or was the operator's).
bool BoundAllocatorForAudit();

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_LEDGERCTL_AUDIT_ALLOCATOR_H_
