#include "tools/edge/byte_size.h"

#include <limits>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ledger::edge {

absl::StatusOr<uint64_t> ParseByteSize(std::string_view text) {
  static constexpr std::pair<std::string_view, int> kUnits[] = {
      {"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40},
      {"K", 10},   {"M", 20},   {"G", 30},   {"T", 40}, {"B", 0}};
  std::string_view number = text;
  int shift = 0;
  for (const auto& [unit, unit_shift] : kUnits) {
    if (number.size() > unit.size() && number.ends_with(unit)) {
      number.remove_suffix(unit.size());
      shift = unit_shift;
      break;
    }
  }
  uint64_t value = 0;
  const bool digits = !number.empty() &&
                      number.find_first_not_of("0123456789") ==
                          std::string_view::npos;
  constexpr uint64_t kMax = uint64_t{1} << 63;
  if (!digits ||
      !absl::SimpleAtoi(absl::string_view(number.data(), number.size()),
                        &value) ||
      value > (kMax >> shift)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", std::string(text), "' is not a size: give a whole number of bytes, with an "
        "optional unit KiB, MiB, GiB or TiB (e.g. 256MiB), at most 2^63"));
  }
  return value << shift;
}

}  // namespace ledger::edge
