// RocksDB's info log (the LOG file in the ledger's folder), written by the
// ledger instead of by RocksDB's own logger.
//
// Why: RocksDB's logger writes LOG through a WritableFileWriter, which
// remembers a failed write; in Debian's build, whose assertions are on,
// the next line it logs then aborts the process
// (WritableFileWriter::AssertFalseAndGetStatusForPrevError). On a full disk
// the first failed write is often LOG's, and RocksDB logs on every error it
// handles, so a full disk took the process down. This logger writes each
// line with stdio and, once a write fails, drops lines until the next one
// fits: the log is advice, never a reason to stop.
#ifndef CREDIT_LEDGER_LEDGER_STORAGE_INFO_LOG_H_
#define CREDIT_LEDGER_LEDGER_STORAGE_INFO_LOG_H_

#include <memory>
#include <string>

#include "rocksdb/env.h"

namespace ledger {

// The info log of the database in `dir`: `dir`/LOG, after the previous
// open's LOG is renamed to LOG.old (one old log is kept, where RocksDB kept
// up to a thousand). Never fails: when LOG cannot be opened, lines are
// dropped.
std::shared_ptr<rocksdb::Logger> NewInfoLog(const std::string& dir);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_STORAGE_INFO_LOG_H_
