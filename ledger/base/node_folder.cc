// A cluster node's folder (ledger/base/node_folder.h).
#include "ledger/base/node_folder.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ledger {

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;  // FNV offset basis
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;  // FNV prime
  }
  return hash;
}

int PartitionOf(std::string_view customer, int partitions) {
  return static_cast<int>(Fnv1a64(customer) %
                          static_cast<uint64_t>(partitions));
}

std::string PartitionFolder(std::string_view node_dir, int partition) {
  return absl::StrCat(std::string(node_dir), "/p", partition);
}

std::string NodeMarkerText(int partitions) {
  return absl::StrCat("partitions ", partitions, "\n");
}

absl::StatusOr<int> ReadNodePartitions(std::string_view node_dir) {
  const std::string path = absl::StrCat(std::string(node_dir), "/", kNodeMarkerFile);
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(
        std::string(node_dir), " is not a cluster node's folder (no ",
        kNodeMarkerFile, " file)"));
  }
  std::string word;
  int partitions = 0;
  std::string rest;
  if (!(in >> word >> partitions) || word != "partitions" || (in >> rest) ||
      partitions < 1 || partitions > kMaxPartitions) {
    return absl::DataLossError(absl::StrCat(
        path, " does not read \"partitions P\" with P in 1..", kMaxPartitions));
  }
  return partitions;
}

std::vector<int> PartitionFoldersPresent(std::string_view node_dir,
                                         int partitions) {
  std::vector<int> out;
  std::error_code ignored;
  for (int p = 0; p < partitions; ++p) {
    if (std::filesystem::is_directory(PartitionFolder(node_dir, p), ignored)) {
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace ledger
