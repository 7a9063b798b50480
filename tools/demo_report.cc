// `ledgerctl demo`'s report: the day's counts, then the replay's and the
// auditor's verdicts on the ledger it left (docs/audit.md).
#include "tools/demo_report.h"

#include <chrono>
#include <cstdio>

#include "absl/status/statusor.h"
#include "ledger/replay.h"
#include "ledger/verify.h"
#include "tools/commands.h"

namespace ledger::tools {
namespace {

// The auditor's view of the day's log (docs/audit.md): the digest to
// publish, and the hash chain checked against it.
int VerifyAndReport(const std::string& dir) {
  absl::StatusOr<LogDigest> digest = ReadDigest(dir);
  VerifyOptions options;
  if (digest.ok()) options.digest = *digest;
  absl::StatusOr<VerifyReport> report =
      digest.ok() ? VerifyLog(dir, options)
                  : absl::StatusOr<VerifyReport>(digest.status());
  if (!report.ok()) {
    std::printf("verify:                  FAILED\n");
    std::fflush(stdout);
    std::fprintf(stderr, "ledgerctl demo: verify cannot read %s: %s\n",
                 dir.c_str(), report.status().ToString().c_str());
    return kExitFailure;
  }
  std::printf("verify:                  %s (digest %s)\n",
              report->ok ? "OK" : "FAILED", FormatDigest(*digest).c_str());
  std::fflush(stdout);
  if (!report->ok) {
    std::fprintf(stderr, "ledgerctl demo: verify: first bad event seq %llu: %s\n",
                 static_cast<unsigned long long>(report->first_bad_seq),
                 report->problem.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void PrintReport(const DemoConfig& config, const DayResult& day) {
  const Tally& t = day.tally;
  std::printf("ledgerctl demo: one simulated day, %d customers, %d threads, "
              "seed %llu\n", config.customers, config.threads,
              static_cast<unsigned long long>(config.seed));
  std::printf("ledger:                  %s\n", config.dir.c_str());
  std::printf("commands submitted:      %llu\n",
              static_cast<unsigned long long>(t.submitted));
  std::printf("events in the log:       %llu\n",
              static_cast<unsigned long long>(day.events));
  std::printf("outcomes:\n");
  std::printf("  %-26s %10llu\n", "ACCEPTED",
              static_cast<unsigned long long>(t.accepted));
  std::printf("  %-26s %10llu\n", "DUPLICATE (retries)",
              static_cast<unsigned long long>(t.duplicates));
  for (const auto& [code, n] : t.rejected) {
    std::printf("  %-26s %10llu\n", v1::RejectionCode_Name(code).c_str(),
                static_cast<unsigned long long>(n));
  }
  std::printf("credits used by category:\n");
  int64_t used = 0;
  for (int i = 1; i < v1::Category_ARRAYSIZE; ++i) {
    const int64_t credits = t.used_by_category[i];
    used += credits;
    std::printf("  %-26s %10lld\n",
                v1::Category_Name(static_cast<v1::Category>(i)).c_str(),
                static_cast<long long>(credits));
  }
  std::printf("  %-26s %10lld\n", "total", static_cast<long long>(used));
  std::printf("credits expired:         %lld\n",
              static_cast<long long>(t.credits_expired));
  std::printf("throughput:              %.0f commands/s (%llu commands in "
              "%.2f s, %llu batches)\n",
              day.seconds > 0 ? static_cast<double>(t.submitted) / day.seconds
                              : 0.0,
              static_cast<unsigned long long>(t.submitted), day.seconds,
              static_cast<unsigned long long>(t.batches));
  std::fflush(stdout);
}

int ReplayAndReport(const std::string& dir) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir);
  const double seconds = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start).count();
  if (!report.ok()) {
    std::printf("replay:                  FAILED\n");
    std::fflush(stdout);
    std::fprintf(stderr, "ledgerctl demo: replay cannot read %s: %s\n",
                 dir.c_str(), report.status().ToString().c_str());
    return kExitFailure;
  }
  std::printf("replay:                  %s (%llu events checked, %llu "
              "customers, %.2f s)\n", report->ok ? "OK" : "FAILED",
              static_cast<unsigned long long>(report->events),
              static_cast<unsigned long long>(report->customers), seconds);
  std::fflush(stdout);
  if (!report->ok) {
    std::fprintf(stderr, "ledgerctl demo: replay: first bad event seq %llu: %s\n",
                 static_cast<unsigned long long>(report->first_bad_seq),
                 report->problem.c_str());
    return kExitFailure;
  }
  return VerifyAndReport(dir);
}

}  // namespace ledger::tools
