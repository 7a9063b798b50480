#include "ledger/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace ledger::internal {

CheckFailure::CheckFailure(const char* condition, const char* file, int line) {
  // The message written with << follows, after ": ".
  message_ << file << ":" << line << ": invariant broken: " << condition << ": ";
}

CheckFailure::~CheckFailure() {
  const std::string message = message_.str();
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace ledger::internal
