// The Backup RPC (docs/operations.md, "Backup"): admin only, since it
// writes on the server's machine wherever the server may write. A single
// ledger is copied by Ledger::Backup beside the live writer; a cluster
// node copies each partition it hosts (ClusterApi::Backup).
#include <iostream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "tools/ledgerd/service_impl.h"

namespace ledger::ledgerd {

absl::Status LedgerServiceImpl::DoBackup(const v1::BackupRequest& request,
                                         v1::BackupResponse& response) {
  if (request.to().empty()) {
    return absl::InvalidArgumentError(
        "BackupRequest.to: the new folder, on the server's machine, to copy "
        "the ledger into");
  }
  if (cluster_ != nullptr) return cluster_->Backup(request.to(), &response);
  absl::StatusOr<BackupInfo> info = ledger_->Backup(request.to());
  // The library's codes here are the caller's to act on (a folder that
  // exists, a full disk, a file system error on the target), not a failed
  // store: they pass as they are.
  if (!info.ok()) return info.status();
  v1::BackupCopy* copy = response.add_copies();
  copy->set_dir(info->dir);
  copy->set_last_seq(info->last_seq);
  copy->set_head_hash(absl::BytesToHexString(info->head_hash));
  copy->set_applied_position(info->applied_position);
  return absl::OkStatus();
}

grpc::Status LedgerServiceImpl::Backup(grpc::ServerContext* context,
                                       const v1::BackupRequest* request,
                                       v1::BackupResponse* response) {
  InFlightSlot slot(this);
  absl::Status status =
      Admit(*context, "Backup", Role::kAdmin, "back up the ledger", slot);
  if (status.ok()) status = DoBackup(*request, *response);
  if (status.ok()) {
    for (const v1::BackupCopy& copy : response->copies()) {
      std::cerr << "ledgerd: backup written to " << copy.dir() << " ("
                << copy.last_seq() << ":" << copy.head_hash() << ")"
                << std::endl;
    }
  } else {
    std::cerr << "ledgerd: backup into " << request->to()
              << " failed: " << status.message() << std::endl;
  }
  return Finish("Backup", status);
}

}  // namespace ledger::ledgerd
