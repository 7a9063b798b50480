// A consistent copy of an open store, beside its live writer
// (Ledger::Backup, docs/operations.md "Backup"): RocksDB's checkpoint,
// staged under a name of its own and renamed into place once whole.
#ifndef CREDIT_LEDGER_LEDGER_STORAGE_BACKUP_H_
#define CREDIT_LEDGER_LEDGER_STORAGE_BACKUP_H_

#include <string>

#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "ledger/storage/store.h"

namespace ledger {

// The file a finished copy holds, written last before the copy gets its
// name: what it is, where from, and its head (docs/operations.md).
inline constexpr char kBackupManifestFile[] = "LEDGER-BACKUP";
// What a copy is called while it is being made: `to` + this. RocksDB's
// checkpoint itself works in `to` + this + ".tmp" and renames that.
inline constexpr char kBackupStagingSuffix[] = ".partial";

// Copies `store` (opened kReadWrite) into `to` as Ledger::Backup says.
[[nodiscard]] absl::StatusOr<BackupInfo> CopyStore(Store& store,
                                                   const std::string& to);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_STORAGE_BACKUP_H_
