// Always-on checks of invariants. An invariant that does not hold means a
// bug in the ledger, never bad input (bad input is a rejection or an error
// status): going on could write a wrong balance into an append-only log, so
// the process stops at once with the condition, the place and a message.
// Unlike assert(), these are compiled in every build, including the
// RelWithDebInfo builds (-DNDEBUG) that the tests, sanitizers and fuzzers
// run. Keep the condition cheap: they run on the write path.
//
//   LEDGER_CHECK(lot.remaining() >= 0) << "lot " << lot.lot_id();
#ifndef CREDIT_LEDGER_LEDGER_BASE_CHECK_H_
#define CREDIT_LEDGER_LEDGER_BASE_CHECK_H_

#include <sstream>
#include <string>

namespace ledger::internal {

// Collects the message of a failed check and stops the process when it is
// destroyed, at the end of the full expression.
class CheckFailure {
 public:
  CheckFailure(const char* condition, const char* file, int line);
  [[noreturn]] ~CheckFailure();
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;

  template <typename T>
  CheckFailure& operator<<(const T& value) {
    message_ << value;
    return *this;
  }

 private:
  std::ostringstream message_;
};

// Lets `cond ? (void)0 : Voidify() & CheckFailure(...) << ...` parse.
struct Voidify {
  void operator&(const CheckFailure&) {}
};

}  // namespace ledger::internal

// Stops the process when `condition` is false; `<<` adds to the message.
#define LEDGER_CHECK(condition)                                   \
  (condition) ? (void)0                                           \
              : ::ledger::internal::Voidify() &                   \
                    ::ledger::internal::CheckFailure(#condition,  \
                                                     __FILE__, __LINE__)

#endif  // CREDIT_LEDGER_LEDGER_BASE_CHECK_H_
