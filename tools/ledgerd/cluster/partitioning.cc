#include "tools/ledgerd/cluster/partitioning.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace ledger::cluster {

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
