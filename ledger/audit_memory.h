// How much memory an audit of the whole log may hold (`replay`, the
// liability report): the state that grows with the log past it goes to a
// scratch RocksDB in a folder of its own, removed when the call returns
// (docs/audit.md, "Memory").
#ifndef CREDIT_LEDGER_LEDGER_AUDIT_MEMORY_H_
#define CREDIT_LEDGER_LEDGER_AUDIT_MEMORY_H_

#include <cstddef>
#include <string>

namespace ledger {

// AuditMemory::budget_bytes's default and its smallest value.
inline constexpr size_t kDefaultAuditMemoryBytes = size_t{256} << 20;
inline constexpr size_t kMinAuditMemoryBytes = size_t{1} << 20;

struct AuditMemory {
  // About the most the audit's own state holds: the usages, the
  // idempotency keys seen and the scratch database's memtables and cache.
  // What grows with the number of customers (each one's header, lots and
  // pending holds and refunds) is held as well, as the writer's cache holds
  // it. At least kMinAuditMemoryBytes. Default: kDefaultAuditMemoryBytes.
  size_t budget_bytes = kDefaultAuditMemoryBytes;
  // Where the scratch folder `ledger-audit-XXXXXX` is made, only once the
  // state passes the budget. Default: "" ($TMPDIR, else /tmp).
  std::string scratch_parent;
};

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_AUDIT_MEMORY_H_
