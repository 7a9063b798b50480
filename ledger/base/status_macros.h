// RETURN_IF_ERROR / ASSIGN_OR_RETURN: Debian's Abseil 20220623 has no
// status_macros.h, so the two small macros live here, once.
#ifndef CREDIT_LEDGER_LEDGER_BASE_STATUS_MACROS_H_
#define CREDIT_LEDGER_LEDGER_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LEDGER_CONCAT_INNER_(a, b) a##b
#define LEDGER_CONCAT_(a, b) LEDGER_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                 \
  do {                                        \
    ::absl::Status ledger_status_ = (expr);   \
    if (!ledger_status_.ok()) return ledger_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(LEDGER_CONCAT_(ledger_statusor_, __LINE__), lhs, expr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                           \
  if (!statusor.ok()) return statusor.status();     \
  lhs = std::move(statusor).value()

#endif  // CREDIT_LEDGER_LEDGER_BASE_STATUS_MACROS_H_
