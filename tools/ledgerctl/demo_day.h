// `ledgerctl demo`'s driver: runs the simulated platform day
// (tools/workload) against a ledger from several threads and counts what
// happened. The report is demo_report.h's; the folder, demo_folder.h's.
#ifndef CREDIT_LEDGER_TOOLS_DEMO_DAY_H_
#define CREDIT_LEDGER_TOOLS_DEMO_DAY_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "ledger/v1/command.pb.h"

namespace ledger::tools {

struct DemoConfig {
  std::string dir;
  int customers = 2000;
  int threads = 4;
  uint64_t seed = 1;
};

// What the demo counts. One per thread, merged at the end. All but
// `batches` depend on the seed alone.
struct Tally {
  uint64_t submitted = 0;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  std::map<v1::RejectionCode, uint64_t> rejected;
  std::array<int64_t, v1::Category_ARRAYSIZE> used_by_category{};
  int64_t credits_expired = 0;
  uint64_t batches = 0;

  void Merge(const Tally& other);
  // Counts the outcome, and the credits of an accepted use or capture.
  void Count(const v1::Command& command, const SubmitResult& result);
};

struct DayResult {
  Tally tally;
  uint64_t events = 0;
  double seconds = 0;
};

// Opens (creates) the ledger in config.dir, marks it as the demo's
// (demo_folder.h), submits the noon policy, then runs every
// customer's day from config.threads threads, each owning a disjoint set of
// customers and working in rounds: one command per live customer per
// round, submitted with SubmitBatch. Closes the ledger before returning.
absl::StatusOr<DayResult> RunDay(const DemoConfig& config);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_DEMO_DAY_H_
