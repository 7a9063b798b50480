// One field of RFC 4180 CSV: the one quoting rule of every csv the ledger
// and its tools write (exports, statements, ledgerctl's tables).
#ifndef CREDIT_LEDGER_LEDGER_BASE_CSV_FIELD_H_
#define CREDIT_LEDGER_LEDGER_BASE_CSV_FIELD_H_

#include <string>
#include <string_view>

namespace ledger {

// `value` quoted (with "" for ") when it holds a comma, a quote, CR or LF;
// as is otherwise.
std::string CsvField(std::string_view value);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_BASE_CSV_FIELD_H_
