#include "tools/ledgerctl/audit_allocator.h"

#include <malloc.h>

#include <cstdlib>

namespace ledger::tools {
namespace {

bool InEnvironment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0';
}

}  // namespace

bool BoundAllocatorForAudit(const AuditAllocator& settings) {
  // GLIBC_TUNABLES may set either (glibc.malloc.arena_max,
  // glibc.malloc.mmap_threshold): an operator who set tunables chose.
  if (InEnvironment("GLIBC_TUNABLES")) return true;
  bool ok = true;
  if (settings.max_arenas > 0 && !InEnvironment("MALLOC_ARENA_MAX")) {
    ok = mallopt(M_ARENA_MAX, settings.max_arenas) == 1 && ok;
  }
  if (!InEnvironment("MALLOC_MMAP_THRESHOLD_")) {
    ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(settings.mmap_threshold_bytes)) == 1 &&
         ok;
  }
  return ok;
}

}  // namespace ledger::tools
