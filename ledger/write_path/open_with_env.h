// Opens a ledger on a caller's RocksDB Env: the seam through which tests
// inject storage faults (a failed write, sync or read). Not part of the
// public API; production code uses Ledger::Open.
#ifndef CREDIT_LEDGER_LEDGER_WRITE_PATH_OPEN_WITH_ENV_H_
#define CREDIT_LEDGER_LEDGER_WRITE_PATH_OPEN_WITH_ENV_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "ledger/storage/store.h"
#include "rocksdb/env.h"

namespace ledger {

// Like Ledger::Open, with every file operation going through `env`, which
// must outlive the ledger.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Ledger>> OpenLedgerWithEnv(
    const Options& options, const std::string& dir, rocksdb::Env* env);

// The same with RocksDB tuned by `tuning` (small memtables, so that a test's
// small ledger flushes and compacts while it writes).
[[nodiscard]] absl::StatusOr<std::unique_ptr<Ledger>> OpenLedgerWithEnv(
    const Options& options, const std::string& dir, rocksdb::Env* env,
    const StoreTuning& tuning);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_WRITE_PATH_OPEN_WITH_ENV_H_
