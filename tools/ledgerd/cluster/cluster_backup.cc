// ClusterNode::Backup and the partitions' retention state (cluster_node.h).
// A node's backup is a node folder: p<N> per hosted partition, each a
// consistent copy of its own (Ledger::Backup; a partition is a ledger of
// its own, with the stream position it resumes from in its applied
// position), and the CLUSTER file. It is made in `to`.partial and renamed
// to `to` once every partition is in it, as a single ledger's backup is,
// so a folder named `to` is always a whole node.
#include <filesystem>
#include <string>
#include <system_error>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/durable_file.h"
#include "ledger/base/status_macros.h"
#include "tools/ledgerd/cluster/cluster_node.h"

namespace ledger::cluster {

absl::Status ClusterNode::Backup(const std::string& to,
                                 v1::BackupResponse* response) {
  namespace fs = std::filesystem;
  if (to.empty()) return absl::InvalidArgumentError("BackupRequest.to is empty");
  std::error_code ec;
  const fs::path target = fs::absolute(fs::path(to), ec).lexically_normal();
  if (ec) return absl::InvalidArgumentError("cannot resolve " + to);
  const std::string staging = target.string() + ".partial";
  for (const std::string& path : {target.string(), staging}) {
    if (fs::exists(path, ec)) {
      return absl::AlreadyExistsError(absl::StrCat(
          path, " exists: a backup goes into a new folder (remove a "
                ".partial one, left by a backup cut short)"));
    }
  }
  // A replica behind its stream's retention is stale: a copy of it could
  // seed no node.
  for (int p : config_.hosted) RETURN_IF_ERROR(replicas_[p]->Serving());
  absl::Status done = CreateFoldersDurably(staging);
  for (int p : config_.hosted) {
    if (!done.ok()) break;
    const std::string part = absl::StrCat(staging, "/p", p);
    absl::StatusOr<BackupInfo> info = replicas_[p]->ledger().Backup(part);
    if (!info.ok()) {
      done = info.status();
      break;
    }
    v1::BackupCopy* copy = response->add_copies();
    copy->set_dir(absl::StrCat(target.string(), "/p", p));
    copy->set_last_seq(info->last_seq);
    copy->set_head_hash(absl::BytesToHexString(info->head_hash));
    copy->set_applied_position(info->applied_position);
    copy->set_partition(static_cast<uint32_t>(p));
  }
  if (done.ok()) {
    done = WriteFileDurably(
        absl::StrCat(staging, "/", kClusterMarkerFile),
        absl::StrCat("partitions ", config_.partitions, "\n"));
  }
  if (done.ok()) done = PosixFileOps().Rename(staging, target.string());
  if (done.ok()) done = PosixFileOps().SyncFolder(target.parent_path().string());
  if (!done.ok()) {
    response->clear_copies();
    fs::remove_all(staging, ec);  // ours: refused above when it existed
  }
  return done;
}

std::vector<int> ClusterNode::PartitionsBehindRetention() const {
  std::vector<int> behind;
  for (int p : config_.hosted) {
    if (replicas_[p] != nullptr && replicas_[p]->behind_retention()) {
      behind.push_back(p);
    }
  }
  return behind;
}

}  // namespace ledger::cluster
