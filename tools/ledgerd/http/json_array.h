// The body of `POST /v1/commands` (docs/http.md): one JSON object, or an
// array of them, split into the text of each element so that each is read
// exactly as `apply` reads a line (Ledger's JSON parser, the same
// INVALID_COMMAND for an element that is not a command). Only the array's
// structure is read here: strings (with their escapes) and nesting, never
// the elements' meaning.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_JSON_ARRAY_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_JSON_ARRAY_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ledger::http {

struct CommandBody {
  bool is_array = false;          // the answer is an array too
  std::vector<std::string> elements;
};

// Splits `body`. InvalidArgument when it is neither an object nor a
// well-formed array (unbalanced brackets, an unterminated string, text
// after the end, an empty element); OutOfRange, without splitting further,
// as soon as an array holds more than `max_elements` elements.
[[nodiscard]] absl::StatusOr<CommandBody> SplitCommandBody(
    std::string_view body, size_t max_elements);

}  // namespace ledger::http

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_HTTP_JSON_ARRAY_H_
