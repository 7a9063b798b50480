// Sizes on the command line (--min-free-disk): a whole number of bytes
// with an optional binary unit, shared by ledgerctl and ledgerd.
#ifndef CREDIT_LEDGER_TOOLS_EDGE_BYTE_SIZE_H_
#define CREDIT_LEDGER_TOOLS_EDGE_BYTE_SIZE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace ledger::edge {

// "0", "4096", "512KiB", "256MiB", "2GiB", "1TiB" (K, M, G and T are read
// as the same binary units). InvalidArgument for anything else or past
// 2^63 bytes.
[[nodiscard]] absl::StatusOr<uint64_t> ParseByteSize(std::string_view text);

}  // namespace ledger::edge

#endif  // CREDIT_LEDGER_TOOLS_EDGE_BYTE_SIZE_H_
