#include "tools/ledgerd/http/json_array.h"

#include "absl/strings/str_cat.h"

namespace ledger::http {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

absl::StatusOr<CommandBody> SplitCommandBody(std::string_view body,
                                             size_t max_elements) {
  body = Trim(body);
  CommandBody out;
  if (body.empty() || (body.front() != '[' && body.front() != '{')) {
    return absl::InvalidArgumentError(
        "the body must be one command (a JSON object) or an array of them");
  }
  if (body.front() == '{') {
    // One command: the ledger's parser judges all of it, as apply does a
    // line (a broken object is an INVALID_COMMAND result, not an error).
    out.elements.emplace_back(body);
    return out;
  }
  out.is_array = true;
  int depth = 0;  // inside the array: 1
  bool in_string = false;
  bool escaped = false;
  size_t start = 1;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth < 0) break;
      if (depth == 0) {
        if (i + 1 != body.size()) {
          return absl::InvalidArgumentError("text after the array's end");
        }
        std::string_view last = Trim(body.substr(start, i - start));
        if (!last.empty()) {
          out.elements.emplace_back(last);
        } else if (!out.elements.empty()) {
          return absl::InvalidArgumentError("an empty element before ']'");
        }
        if (out.elements.size() > max_elements) {
          return absl::OutOfRangeError(absl::StrCat(
              "more than ", max_elements, " commands in one body"));
        }
        return out;
      }
    } else if (c == ',' && depth == 1) {
      std::string_view element = Trim(body.substr(start, i - start));
      if (element.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("an empty element at byte ", i));
      }
      out.elements.emplace_back(element);
      if (out.elements.size() > max_elements) {
        return absl::OutOfRangeError(absl::StrCat(
            "more than ", max_elements, " commands in one body"));
      }
      start = i + 1;
    }
  }
  return absl::InvalidArgumentError(
      "the array is not closed (or its brackets do not match)");
}

}  // namespace ledger::http
