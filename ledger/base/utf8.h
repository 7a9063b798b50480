// The one UTF-8 validator of the ledger, used by command validation (text
// fields must be UTF-8), the JSON writer (it replaces what is not) and the
// tests. Strict RFC 3629: no overlong forms, no surrogates (U+D800..DFFF),
// nothing past U+10FFFF, no truncated sequences.
//
// Written here rather than taken from a library: Abseil 20220623 has no
// validator, and protobuf's IsStructurallyValidUTF8 is in its `internal`
// namespace (no stability promise) and tells only whether a whole string is
// valid, while the JSON writer needs the length of each sequence.
#ifndef CREDIT_LEDGER_LEDGER_BASE_UTF8_H_
#define CREDIT_LEDGER_LEDGER_BASE_UTF8_H_

#include <cstddef>
#include <string_view>

namespace ledger {

// The length (1-4) of the valid UTF-8 sequence that starts at s[i], or 0
// when the bytes there are not one. REQUIRES: i < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i);

// Whether all of `s` is valid UTF-8 (the empty string is).
bool IsValidUtf8(std::string_view s);

}  // namespace ledger

#endif  // CREDIT_LEDGER_LEDGER_BASE_UTF8_H_
