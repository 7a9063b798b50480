// The liability report of docs/contract.md section 8 as `ledgerctl
// liability --format json` prints it (with its line break), and the
// columns every format of it shares.
#ifndef CREDIT_LEDGER_TOOLS_RENDER_LIABILITY_JSON_H_
#define CREDIT_LEDGER_TOOLS_RENDER_LIABILITY_JSON_H_

#include <array>
#include <string>
#include <string_view>

#include "ledger/liability.h"

namespace ledger::render {

// refund_rounding comes after closing: it is a part of refunded, not a
// term of the identity the other columns spell out left to right.
inline constexpr std::array<std::string_view, 11> kLiabilityColumns = {
    "unit",     "opening",  "granted",      "used",
    "expired",  "forfeited", "voided",      "refunded",
    "charged_back", "closing", "refund_rounding"};

// The numbers of a row, in the order of kLiabilityColumns after "unit".
std::array<__int128, 10> LiabilityNumbers(const LiabilityRow& row);

std::string LiabilityJson(const LiabilityReport& report);

}  // namespace ledger::render

#endif  // CREDIT_LEDGER_TOOLS_RENDER_LIABILITY_JSON_H_
