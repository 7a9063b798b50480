#include "tools/edge/future_guard.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/time_util.h"

namespace ledger::edge {
namespace {

// A cursor over JSON text: just enough to walk the top-level object's
// members and skip their values.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' ||
                              s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool Eat(char c) {
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool Peek(char c) {
    SkipSpace();
    return i_ < s_.size() && s_[i_] == c;
  }

  // A string at the cursor, unescaped. \u escapes are decoded for ASCII
  // only; others make the string unreadable here (nullopt).
  std::optional<std::string> String() {
    if (!Eat('"')) return std::nullopt;
    std::string out;
    bool readable = true;
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') {
        if (!readable) return std::nullopt;
        return out;
      }
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return std::nullopt;
      const char e = s_[i_++];
      switch (e) {
        case '"': case '\\': case '/': out.push_back(e); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          if (i_ + 4 > s_.size()) return std::nullopt;
          unsigned v = 0;
          for (int k = 0; k < 4; ++k) {
            const char h = s_[i_++];
            v <<= 4;
            if (h >= '0' && h <= '9') v |= h - '0';
            else if (h >= 'a' && h <= 'f') v |= h - 'a' + 10;
            else if (h >= 'A' && h <= 'F') v |= h - 'A' + 10;
            else return std::nullopt;
          }
          if (v < 0x80) out.push_back(static_cast<char>(v));
          else readable = false;
          break;
        }
        default: return std::nullopt;
      }
    }
    return std::nullopt;  // unterminated
  }

  // Skips one value of any kind; false when the text is not JSON there.
  bool SkipValue() {
    SkipSpace();
    if (i_ >= s_.size()) return false;
    if (s_[i_] == '"') {
      // A string that String() cannot decode is still skippable.
      ++i_;
      while (i_ < s_.size() && s_[i_] != '"') i_ += s_[i_] == '\\' ? 2 : 1;
      if (i_ >= s_.size()) return false;
      ++i_;
      return true;
    }
    if (s_[i_] == '{' || s_[i_] == '[') {
      // Brackets balance outside strings; the ledger checks the rest.
      int depth = 0;
      while (i_ < s_.size()) {
        const char c = s_[i_];
        if (c == '"') {
          if (!SkipValue()) return false;
          continue;
        }
        ++i_;
        if (c == '{' || c == '[') ++depth;
        if (c == '}' || c == ']') {
          if (--depth == 0) return true;
        }
      }
      return false;
    }
    // A number, true, false or null: up to the next delimiter.
    const size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' &&
           s_[i_] != ' ' && s_[i_] != '\t' && s_[i_] != '\r' && s_[i_] != '\n') {
      ++i_;
    }
    return i_ > start;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<std::string> TopLevelString(std::string_view json,
                                          std::string_view name) {
  Scanner in(json);
  if (!in.Eat('{')) return std::nullopt;
  if (in.Eat('}')) return std::nullopt;
  std::optional<std::string> found;
  do {
    std::optional<std::string> member = in.String();
    if (!member.has_value() || !in.Eat(':')) return std::nullopt;
    if (*member == name && !found.has_value() && in.Peek('"')) {
      found = in.String();
      if (!found.has_value()) return std::nullopt;
    } else if (!in.SkipValue()) {
      return std::nullopt;
    }
  } while (in.Eat(','));
  if (!in.Eat('}')) return std::nullopt;
  return found;
}

FutureGuard::FutureGuard(absl::Duration max_ahead, std::string setting,
                         std::function<absl::Time()> now)
    : max_ahead_(max_ahead), setting_(std::move(setting)), now_(std::move(now)) {}

absl::Status FutureGuard::CheckAt(int64_t at_us) const {
  const absl::Time now = now_();
  const absl::Time at = absl::FromUnixMicros(at_us);
  if (at - now <= max_ahead_) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "at ", FormatTimeUs(at_us), " is ", absl::FormatDuration(absl::Trunc(at - now, absl::Minutes(1))),
      " ahead of this machine's clock (", FormatTimeUs(absl::ToUnixMicros(now)),
      "), more than the ", absl::FormatDuration(max_ahead_), " allowed by ",
      setting_, "; the command was not sent to the ledger. Check the date, "
      "or raise the limit with --max-future DURATION (--max-future off "
      "removes the guard)"));
}

absl::StatusOr<std::optional<absl::Duration>> ParseGuardDuration(
    std::string_view flag, std::string_view text) {
  if (text == "off") return std::optional<absl::Duration>();
  absl::Duration limit;
  // Debian's Abseil has its own string_view: pass a std::string.
  const std::string value(text);
  if (!absl::ParseDuration(value, &limit) || limit <= absl::ZeroDuration() ||
      limit == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(flag), " wants a positive duration such as 24h or 90m, or off, got '",
        value, "'"));
  }
  return std::optional<absl::Duration>(limit);
}

absl::StatusOr<std::optional<absl::Duration>> ParseMaxFuture(std::string_view text) {
  return ParseGuardDuration("--max-future", text);
}

std::string MaxFutureSetting(std::optional<std::string_view> text) {
  if (text.has_value()) return absl::StrCat("--max-future ", std::string(*text));
  return absl::StrCat("--max-future ", absl::FormatDuration(kDefaultMaxFuture),
                      " (the default)");
}

std::optional<int64_t> ReadableAtUs(std::string_view json) {
  const std::optional<std::string> at = TopLevelString(json, "at");
  if (!at.has_value()) return std::nullopt;
  const absl::StatusOr<int64_t> at_us = ParseTimeUs(*at);
  if (!at_us.ok()) return std::nullopt;
  return *at_us;
}

absl::Status FutureGuard::CheckJson(std::string_view json) const {
  const std::optional<int64_t> at_us = ReadableAtUs(json);
  return at_us.has_value() ? CheckAt(*at_us) : absl::OkStatus();
}

}  // namespace ledger::edge
