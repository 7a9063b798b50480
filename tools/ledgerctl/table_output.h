// The row outputs the listing commands (`rejections`, `refunds`) share:
// one set of columns rendered as a text table, CSV (RFC 4180, CRLF, a
// header row), JSON Lines, or one JSON document {"NAME": [rows]}. Every
// cell is a string or a whole number, so all four say the same.
#ifndef CREDIT_LEDGER_TOOLS_TABLE_OUTPUT_H_
#define CREDIT_LEDGER_TOOLS_TABLE_OUTPUT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tools/ledgerctl/arguments.h"

namespace ledger::tools {

using Cell = std::variant<std::string, int64_t>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;  // each as many cells as columns
};

// `table` in `format`. For kText: columns padded to their widest cell
// ("-" for an empty string), or `empty_text` when there is no row. For
// kJson: {"`name`": [ {column: cell, ...}, ... ]}.
std::string RenderTable(const Table& table, Format format, std::string_view name,
                        std::string_view empty_text);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_TABLE_OUTPUT_H_
