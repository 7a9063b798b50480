// A strict, fast reader of the plain form of a command's JSON
// (docs/contract.md section 4), in front of ParseCommandJson (protobuf's
// JSON parser into a Struct, then the checked fill of the command), which
// was a third of `ledgerctl apply`'s CPU (docs/benchmarks.md, "The JSON
// path").
//
// It reads only what it fully understands, and for that gives exactly the
// command ParseCommandJson gives (the same fields, the same bytes):
//   - one JSON object (RFC 8259, checked by simdjson, UTF-8 included), at
//     most 8 KiB (every command of the contract fits), with no backslash
//     anywhere in the line (no escape of any kind) and nothing but JSON
//     whitespace around it;
//   - every key a field of the message it is in (proto names), each once,
//     at most one kind;
//   - strings for string fields, true / false for booleans, integers
//     (digits, perhaps a minus sign; no fraction, no exponent) of
//     magnitude below 2^53 for int64 fields, objects for
//     messages, a non-empty array of strings for applies_to, an array of
//     objects for thresholds, an object of strings for metadata.
// Anything else (an unknown field, an escape, a duplicate key, a null, a
// fraction, an exponent, a number out of range, a wrong
// type, bytes that are not JSON) it does not judge: it declines, and the
// caller reads the line with ParseCommandJson, whose answer (the command,
// or the INVALID_COMMAND message) stays the contract's. Declining is never
// wrong, only slower; reading a line differently from ParseCommandJson
// would be, and tests/fuzz/fuzz_command_json_reader.cc looks for one.
#ifndef CREDIT_LEDGER_LEDGER_WRITE_PATH_COMMAND_JSON_READER_H_
#define CREDIT_LEDGER_LEDGER_WRITE_PATH_COMMAND_JSON_READER_H_

#include <string_view>

#include "ledger/v1/command.pb.h"

namespace ledger {

// True with `*command` set (replaced) to what ParseCommandJson(json) gives,
// when `json` is in the plain form above; false, `*command` unspecified,
// for anything else. Thread-safe (each thread keeps its own parser).
[[nodiscard]] bool ReadPlainCommandJson(std::string_view json,
                                        v1::Command* command);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_WRITE_PATH_COMMAND_JSON_READER_H_
