#include "ledger/storage/backup.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <system_error>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/base/durable_file.h"
#include "ledger/base/status_macros.h"
#include "ledger/storage/disk_space.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/storage/stored_events.h"
#include "rocksdb/utilities/checkpoint.h"

namespace ledger {

// Why a checkpoint and not a copy made by another process: the writer's
// compactions delete table files whenever they finish, so a process that
// copies the folder (or a RocksDB secondary instance, which cannot stop
// the primary deleting files) may miss a file or mix two versions of the
// database. The checkpoint runs inside the process that holds the
// database: RocksDB stops file deletions while it links or copies the live
// files, takes the MANIFEST and the WAL as they stand after its flush, and
// the copy then recovers to a prefix of the WriteBatches, each whole. A
// ledger commits each group as one WriteBatch (events, keys, projections,
// head, applied position), so the copy is the ledger after some group.
absl::Status Store::Checkpoint(const std::string& dir) {
  if (mode_ != Mode::kReadWrite) {
    return absl::FailedPreconditionError(
        "a checkpoint needs the store open for writing (it flushes)");
  }
  if (out_of_space()) {
    // The checkpoint's flush would enter the write path RocksDB left in
    // error (Store::Write says why that must not happen).
    return DiskFullError(dir_, out_of_space_cause());
  }
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_, &raw),
                            "preparing a checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  rocksdb::Status s = checkpoint->CreateCheckpoint(dir);
  if (IsNoSpace(s)) {
    return DiskFullError(dir, absl::StrCat("writing the copy: ", s.ToString()));
  }
  return FromRocks(s, absl::StrCat("writing a checkpoint into ", dir));
}

namespace {

namespace fs = std::filesystem;

// `to` as an absolute path without a trailing separator, refused when it
// is the ledger's folder or inside it (a copy there would be in every
// later copy, and RocksDB might take its files for its own).
absl::StatusOr<fs::path> TargetPath(const std::string& ledger_dir,
                                    const std::string& to) {
  if (to.empty()) {
    return absl::InvalidArgumentError("the backup's folder is empty");
  }
  std::error_code ec;
  fs::path target = fs::absolute(fs::path(to), ec).lexically_normal();
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot resolve the backup's folder ", to, ": ", ec.message()));
  }
  if (!target.has_filename()) target = target.parent_path();
  const fs::path source = fs::weakly_canonical(ledger_dir, ec);
  const fs::path resolved = fs::weakly_canonical(target, ec);
  if (!ec) {
    auto ends = std::mismatch(source.begin(), source.end(), resolved.begin(),
                              resolved.end());
    if (ends.first == source.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the backup's folder ", target.string(), " is the ledger ",
          ledger_dir, " or inside it: back up into a folder of its own"));
    }
  }
  return target;
}

absl::Status RefuseExisting(const fs::path& path, std::string_view why) {
  std::error_code ec;
  if (!fs::exists(path, ec) && !ec) return absl::OkStatus();
  return absl::AlreadyExistsError(
      absl::StrCat(path.string(), " exists", std::string(why)));
}

// The head and applied position of the copy, read from the copy itself:
// what the writer committed after the checkpoint is not in it. Opening it
// also proves it opens as a ledger.
absl::StatusOr<BackupInfo> ReadCopy(const std::string& staging) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> copy, OpenStoredLedger(staging));
  ASSIGN_OR_RETURN(StoredHead head, ReadStoredHead(*copy));
  BackupInfo info;
  info.last_seq = head.seq;
  info.head_hash = head.hash;
  RETURN_IF_ERROR(copy->ForEachMetaEntry(
      [&](std::string_view key, std::string_view value) -> absl::Status {
        if (key != kAppliedPositionKey) return absl::OkStatus();
        ASSIGN_OR_RETURN(info.applied_position, DecodeAppliedPosition(value));
        return absl::OkStatus();
      }));
  RETURN_IF_ERROR(copy->Close());
  return info;
}

std::string ManifestText(const std::string& source, const BackupInfo& info) {
  return absl::StrCat(
      "credit-ledger backup\n", "format: ", kFormatValue, "\n",
      "source: ", source, "\n", "taken_at: ",
      absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone()),
      "\n", "digest: ", info.last_seq, ":",
      absl::BytesToHexString(info.head_hash), "\n",
      "applied_position: ", info.applied_position, "\n");
}

// Writes the manifest, then gives the staged copy its name and makes the
// rename durable: a power cut before the parent's sync leaves at most the
// staging name, never a folder `to` that lacks part of the copy.
absl::Status Finish(const std::string& source, const fs::path& staging,
                    const fs::path& target, BackupInfo& info) {
  RETURN_IF_ERROR(WriteFileDurably((staging / kBackupManifestFile).string(),
                                   ManifestText(source, info)));
  RETURN_IF_ERROR(PosixFileOps().Rename(staging.string(), target.string()));
  info.dir = target.string();
  return PosixFileOps().SyncFolder(target.parent_path().string());
}

}  // namespace

absl::StatusOr<BackupInfo> CopyStore(Store& store, const std::string& to) {
  ASSIGN_OR_RETURN(const fs::path target, TargetPath(store.dir(), to));
  const fs::path staging = target.string() + kBackupStagingSuffix;
  const fs::path rocks_staging = staging.string() + ".tmp";
  RETURN_IF_ERROR(RefuseExisting(
      target, ": a backup goes into a new folder; choose another name or "
              "remove that folder"));
  for (const fs::path& left : {staging, rocks_staging}) {
    RETURN_IF_ERROR(RefuseExisting(
        left, ", left by a backup that was cut short (it is no ledger to "
              "keep): remove it and run the backup again"));
  }
  RETURN_IF_ERROR(CreateFoldersDurably(target.parent_path().string()));
  const absl::Status made = store.Checkpoint(staging.string());
  absl::StatusOr<BackupInfo> info =
      made.ok() ? ReadCopy(staging.string()) : absl::StatusOr<BackupInfo>(made);
  if (info.ok()) {
    if (absl::Status s = Finish(store.dir(), staging, target, *info); !s.ok()) {
      info = s;
    }
  }
  if (!info.ok()) {
    // Ours alone (refused above when it existed): a failed backup leaves
    // nothing that could be taken for one.
    std::error_code ec;
    fs::remove_all(staging, ec);
    fs::remove_all(rocks_staging, ec);
  }
  return info;
}

}  // namespace ledger
