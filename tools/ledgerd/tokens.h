// Who may call what (docs/contract.md section 9): the bearer tokens of --tokens
// FILE, each a role, and the role each RPC needs.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_TOKENS_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_TOKENS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ledger::ledgerd {

// Ordered: each role may do everything the ones before it may.
enum class Role { kReader = 0, kWriter = 1, kAdmin = 2 };

const char* RoleName(Role role);

struct Caller {
  Role role = Role::kReader;
  std::string name;  // the token's NAME from the file, never the token
};

class TokenTable {
 public:
  // Every caller is an admin named "anonymous" (no --tokens).
  static TokenTable AllowAll();

  // Reads lines `ROLE SHA256HEX [NAME]`; `#` starts a comment, blank lines
  // are skipped. InvalidArgument naming the line of a malformed one;
  // NotFound when the file cannot be read.
  [[nodiscard]] static absl::StatusOr<TokenTable> Load(const std::string& path);

  // The caller presenting `authorization` (the metadata value, "Bearer
  // TOKEN"), or Unauthenticated when it is missing, malformed or unknown.
  // The token's digest is compared with every entry in constant time, so
  // timing tells nothing of how much of a digest matched.
  [[nodiscard]] absl::StatusOr<Caller> Authenticate(
      std::optional<std::string_view> authorization) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string digest;  // 32 bytes
    Caller caller;
  };
  TokenTable() = default;
  bool allow_all_ = false;
  std::vector<Entry> entries_;
};

}  // namespace ledger::ledgerd

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_TOKENS_H_
