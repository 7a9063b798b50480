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
// The blocks below that threshold stay in the arenas once freed, and the
// liability report's scratch database frees many, in the arenas of every
// thread that ran its flushes and compactions: a page whose blocks are all
// free stays the process's until the arena's top is free too, which a
// live block above it prevents. PeriodicArenaTrim gives such pages back
// while the report runs (6 MiB of its peak at ten million events).
//
// These are the process's settings, not the library's: ledgerctl makes
// them for the commands above; a program linking the library decides for
// itself (glibc reads the same threshold from MALLOC_MMAP_THRESHOLD_).
#ifndef CREDIT_LEDGER_TOOLS_LEDGERCTL_AUDIT_ALLOCATOR_H_
#define CREDIT_LEDGER_TOOLS_LEDGERCTL_AUDIT_ALLOCATOR_H_

#include <cstddef>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace ledger::tools {

// Blocks of this size or more are mapped on their own and given back when
// freed: glibc's starting threshold, kept fixed.
inline constexpr size_t kAuditMmapThresholdBytes = size_t{128} << 10;

// Fixes the allocator's mmap threshold at kAuditMmapThresholdBytes, unless
// the environment sets the allocator already (MALLOC_MMAP_THRESHOLD_ or
// GLIBC_TUNABLES): an operator's choice wins. Returns whether the setting
// took (or was the operator's).
bool BoundAllocatorForAudit();

// How often `ledgerctl liability` gives free arena pages back. Once a
// second cost nothing measurable in the report's CPU at ten million
// events; four times a second cost about 6% and held no less. Replay does
// not trim: its two fold threads reuse what they free, and trimming once a
// second cost it 4 to 10% more CPU to lower a peak already within its
// bound by 4 MiB.
inline constexpr absl::Duration kAuditArenaTrimPeriod = absl::Seconds(1);

// While it lives, a thread of its own gives the pages of glibc's arenas
// that hold only freed blocks back to the system (malloc_trim) once every
// `period`: the process keeps what it uses, not the most it ever freed.
class PeriodicArenaTrim {
 public:
  explicit PeriodicArenaTrim(absl::Duration period);
  // Stops the thread, which may be inside a trim: waits for it to end.
  ~PeriodicArenaTrim();

  PeriodicArenaTrim(const PeriodicArenaTrim&) = delete;
  PeriodicArenaTrim& operator=(const PeriodicArenaTrim&) = delete;

 private:
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_LEDGERCTL_AUDIT_ALLOCATOR_H_
