// How to run this ledgerctl again (tools/ledgerctl/self_invocation.h).
#include "tools/ledgerctl/self_invocation.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace ledger::tools {
namespace {

namespace fs = std::filesystem;

// True when `name` looked up on PATH, as the shell would, is `exe`.
bool OnPathAs(const fs::path& exe, const char* name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    if (dir.empty()) continue;  // the current folder: not a PATH install
    std::error_code ec;
    const fs::path candidate = fs::path(std::string(dir)) / name;
    if (fs::exists(candidate, ec)) return fs::equivalent(candidate, exe, ec);
  }
  return false;
}

}  // namespace

std::string SelfInvocation() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "ledgerctl";
  if (OnPathAs(exe, "ledgerctl")) return "ledgerctl";
  const fs::path cwd = fs::current_path(ec);
  if (!ec) {
    const fs::path below = exe.lexically_relative(cwd);
    if (!below.empty() && *below.begin() != "..") {
      return ShellWord("./" + below.string());
    }
  }
  return ShellWord(exe.string());
}

std::string ShellWord(std::string_view word) {
  constexpr std::string_view kPlain =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
      "_./:=@%+-,";
  if (!word.empty() && word.find_first_not_of(kPlain) == std::string_view::npos) {
    return std::string(word);
  }
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

}  // namespace ledger::tools
