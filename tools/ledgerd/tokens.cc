#include "tools/ledgerd/tokens.h"

#include <openssl/crypto.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "ledger/base/sha256.h"
#include "ledger/base/utf8.h"
#include "ledger/ledger.h"

namespace ledger::ledgerd {
namespace {

std::optional<Role> ParseRole(absl::string_view word) {
  if (word == "reader") return Role::kReader;
  if (word == "writer") return Role::kWriter;
  if (word == "admin") return Role::kAdmin;
  return std::nullopt;
}

bool IsHexDigest(absl::string_view s) {
  if (s.size() != 2 * kHashBytes) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::Status BadLine(const std::string& path, int number,
                     absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ":", number, ": ", why,
                   " (expected `ROLE SHA256HEX [NAME]`, ROLE reader, writer "
                   "or admin)"));
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kReader: return "reader";
    case Role::kWriter: return "writer";
    case Role::kAdmin: return "admin";
  }
  return "?";
}

TokenTable TokenTable::AllowAll() {
  TokenTable t;
  t.allow_all_ = true;
  return t;
}

absl::StatusOr<TokenTable> TokenTable::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  TokenTable t;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view text = line;
    if (size_t hash = text.find('#'); hash != absl::string_view::npos) {
      text = text.substr(0, hash);
    }
    std::vector<absl::string_view> words =
        absl::StrSplit(text, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (words.empty()) continue;
    if (words.size() < 2 || words.size() > 3) {
      return BadLine(path, number, "wrong number of words");
    }
    std::optional<Role> role = ParseRole(words[0]);
    if (!role.has_value()) return BadLine(path, number, "unknown role");
    if (!IsHexDigest(words[1])) {
      return BadLine(path, number, "not 64 hex digits of SHA-256");
    }
    // docs/contract.md section 16: the name is the actor of every event
    // the token's calls write, bounded like an id.
    if (words.size() == 3 &&
        (words[2].size() > kMaxIdLength ||
         !IsValidUtf8(std::string_view(words[2].data(), words[2].size())))) {
      return BadLine(path, number,
                     absl::StrCat("a NAME is at most ", kMaxIdLength,
                                  " bytes of UTF-8 (events record it as their actor)"));
    }
    Entry e;
    e.digest = absl::HexStringToBytes(absl::AsciiStrToLower(words[1]));
    e.caller.role = *role;
    e.caller.name = words.size() == 3 ? std::string(words[2])
                                      : absl::StrCat("line-", number);
    t.entries_.push_back(std::move(e));
  }
  return t;
}

absl::StatusOr<Caller> TokenTable::Authenticate(
    std::optional<std::string_view> authorization) const {
  if (allow_all_) return Caller{Role::kAdmin, "anonymous"};
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError("no authorization: Bearer TOKEN");
  }
  absl::string_view token(authorization->data(), authorization->size());
  if (!absl::ConsumePrefix(&token, "Bearer ") || token.empty()) {
    return absl::UnauthenticatedError(
        "authorization is not `Bearer TOKEN`");
  }
  std::string digest = Sha256(std::string_view(token.data(), token.size()));
  const Entry* found = nullptr;
  // No early exit: every entry is compared, whatever matches.
  for (const Entry& e : entries_) {
    if (CRYPTO_memcmp(e.digest.data(), digest.data(), kHashBytes) == 0) {
      found = &e;
    }
  }
  if (found == nullptr) return absl::UnauthenticatedError("unknown token");
  return found->caller;
}

}  // namespace ledger::ledgerd
