#include "tools/ledgerd/cluster/partitioning.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace ledger::cluster {

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

absl::StatusOr<std::vector<int>> ParsePartitionList(std::string_view list,
                                                    int partitions) {
  std::vector<int> out;
  absl::string_view text(list.data(), list.size());
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    std::vector<absl::string_view> ends = absl::StrSplit(item, '-');
    int first = 0;
    int last = 0;
    bool ok = ends.size() <= 2 && absl::SimpleAtoi(ends.front(), &first) &&
              absl::SimpleAtoi(ends.back(), &last) && first <= last;
    if (!ok || first < 0 || last >= partitions) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--host-partitions: '", item, "' is not N or N-M within 0..",
          partitions - 1));
    }
    for (int p = first; p <= last; ++p) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace ledger::cluster
