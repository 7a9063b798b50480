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

bool BoundAllocatorForAudit() {
  // GLIBC_TUNABLES may set it (glibc.malloc.mmap_threshold): an operator
  // who set tunables chose.
  if (InEnvironment("GLIBC_TUNABLES") || InEnvironment("MALLOC_MMAP_THRESHOLD_")) {
    return true;
  }
  // Setting it turns off glibc's raising of it.
  return mallopt(M_MMAP_THRESHOLD, static_cast<int>(kAuditMmapThresholdBytes)) == 1;
}

PeriodicArenaTrim::PeriodicArenaTrim(absl::Duration period)
    : thread_([this, period] {
        while (!stop_.WaitForNotificationWithTimeout(period)) malloc_trim(0);
      }) {}

PeriodicArenaTrim::~PeriodicArenaTrim() {
  stop_.Notify();
  thread_.join();
}

}  // namespace ledger::tools
