// The crash test's workload, shared by the child that runs it
// (crash_child_main.cc) and the parent that kills the child and checks the
// ledger (crash_test.cc). Command i of thread t in round r is a pure
// function of (seed, r, t, i), so the parent knows what every thread
// submitted without being told.
#ifndef CREDIT_LEDGER_TESTS_RELIABILITY_CRASH_WORKLOAD_H_
#define CREDIT_LEDGER_TESTS_RELIABILITY_CRASH_WORKLOAD_H_

#include <cstdint>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/time_util.h"

namespace ledger::testing {

inline constexpr int kCrashThreads = 4;

inline std::string CrashKey(int round, int thread, int i) {
  return absl::StrCat("r", round, "-t", thread, "-", i);
}

// Every command of a round has the same `at` (one hour later each round), so
// no command of the shared customer is ever TIME_WENT_BACKWARDS.
inline std::string CrashCommand(uint64_t seed, int round, int thread, int i) {
  std::mt19937_64 rng(seed * 1000003u + round * 7919u + thread * 131u + i);
  const int64_t at_us = *ParseTimeUs("2026-03-08T00:00:00Z") +
                        static_cast<int64_t>(round) * 3600LL * 1000000;
  const std::string at = FormatTimeUs(at_us);
  const std::string own = absl::StrCat("r", round, "t", thread);
  const std::string head = absl::StrCat(R"({"key":")", CrashKey(round, thread, i),
                                        R"(","at":")", at, R"(","customer":")");
  auto purchase = [&](const std::string& customer, int64_t credits) {
    return absl::StrCat(head, customer, R"(","purchase":{"purchase_id":"p)",
                        round, "-", thread, "-", i, R"(","credits":)", credits,
                        R"(,"amount_minor":)", credits * 2,
                        R"(,"currency":"USD"}})");
  };
  auto use = [&](const std::string& customer, int64_t credits) {
    return absl::StrCat(head, customer, R"(","use":{"usage_id":"u)", round,
                        "-", thread, "-", i,
                        R"(","category":"TELEPHONY_USAGE","credits":)",
                        credits, "}}");
  };
  if (i == 0) return purchase(own, 1000000);
  if (thread == 0 && i % 8 == 1) return purchase("shared", 200);
  // docs/contract.md section 11: a telephony-only promotional lot spent
  // first (priority 10) by the telephony uses, and voided later on.
  const std::string grant_id = absl::StrCat("g", round, "-", thread);
  if (i == 1) {
    return absl::StrCat(head, own, R"(","grant":{"grant_id":")", grant_id,
                        R"(","credits":500,"reason":"promotion",)",
                        R"("applies_to":["TELEPHONY_USAGE"],"priority":10}})");
  }
  switch (rng() % 7) {
    case 0:
    case 1:
      return use(own, 1 + rng() % 100);
    case 2:  // spends from the customer every thread spends from; may be
             // INSUFFICIENT_CREDITS (or UNKNOWN_CUSTOMER in round 0)
      return use("shared", 1 + rng() % 40);
    case 3:
      return absl::StrCat(head, own, R"(","hold":{"hold_id":"h)", i,
                          R"(","credits":)", 1 + rng() % 50,
                          R"(,"expires_at":")",
                          FormatTimeUs(at_us + 3600LL * 1000000), "\"}}");
    case 5:  // a hold that may take only from lots for telephony
      return absl::StrCat(head, own, R"(","hold":{"hold_id":"h)", i,
                          R"(","credits":)", 1 + rng() % 50,
                          R"(,"category":"TELEPHONY_USAGE","expires_at":")",
                          FormatTimeUs(at_us + 3600LL * 1000000), "\"}}");
    case 6:  // LOT_EXPIRED once the lot is voided
      return absl::StrCat(head, own, R"(","void_grant":{"lot_id":")", grant_id,
                          R"(","reason":"promotion withdrawn"}})");
    default:  // releases the previous command's hold, when it was one
      return absl::StrCat(head, own, R"(","release":{"hold_id":"h)", i - 1,
                          "\"}}");
  }
}

}  // namespace ledger::testing

#endif  // CREDIT_LEDGER_TESTS_RELIABILITY_CRASH_WORKLOAD_H_
