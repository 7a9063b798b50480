#include "tools/ledgerd/cluster/lease_record.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ledger::cluster {

std::string EncodeLeaseRecord(const LeaseRecord& record) {
  std::string out = record.holder.empty()
                        ? std::string("holder\n")
                        : absl::StrCat("holder ", record.holder, "\n");
  for (const auto& [endpoint, seq] : record.cursors) {
    absl::StrAppend(&out, "cursor ", endpoint, " ", seq, "\n");
  }
  return out;
}

absl::StatusOr<LeaseRecord> DecodeLeaseRecord(std::string_view text) {
  LeaseRecord record;
  bool has_holder = false;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(text.data(), text.size()), '\n',
                      absl::SkipEmpty())) {
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
    if (words[0] == "holder" && words.size() <= 2 && !has_holder) {
      has_holder = true;
      if (words.size() == 2) record.holder = std::string(words[1]);
      continue;
    }
    uint64_t seq = 0;
    if (words[0] == "cursor" && words.size() == 3 && !words[1].empty() &&
        absl::SimpleAtoi(words[2], &seq) &&
        record.cursors.emplace(std::string(words[1]), seq).second) {
      continue;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("not a webhook lease record line: '", line, "'"));
  }
  if (!has_holder) {
    return absl::InvalidArgumentError("a webhook lease record without holder");
  }
  return record;
}

}  // namespace ledger::cluster
