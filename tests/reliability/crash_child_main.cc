// The crash test's child (see crash_test.cc): opens the ledger with sync on,
// runs kCrashThreads threads that each submit the commands of
// crash_workload.h one after another, and reports every answer to the
// parent on file descriptor 3, one line each, written only after Submit
// returned (that is, once the command is durable):
//   ready
//   A <thread> <i> <seq>      accepted (or duplicate) with that seq
//   R <thread> <i> <code>     rejected
// It runs until killed (or until MAX_COMMANDS per thread), with a state
// cache of CACHE_CUSTOMERS customers (default: Options' default).
// With LEDGER_CRASH_BACKUP_DIR set (backup_crash_test.cc), it also takes
// one Ledger::Backup into that folder once 300 events are in, while the
// threads write, and reports
//   B <seq> <hash in hex>     the copy's head, once Backup returned
//   E <message>               Backup failed
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/ledger.h"
#include "tests/reliability/crash_workload.h"

namespace {

constexpr int kReportFd = 3;
std::mutex report_mu;

void Report(const std::string& line) {
  std::lock_guard<std::mutex> lock(report_mu);
  const std::string out = line + "\n";  // < PIPE_BUF: one atomic write
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(kReportFd, out.data() + done, out.size() - done);
    if (n <= 0) std::_Exit(3);
    done += static_cast<size_t>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s DIR SEED ROUND [MAX_COMMANDS [CACHE_CUSTOMERS]]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const uint64_t seed = std::strtoull(argv[2], nullptr, 10);
  const int round = std::atoi(argv[3]);
  const int max_commands = argc > 4 ? std::atoi(argv[4]) : 1 << 30;
  ledger::Options options;
  options.sync = true;
  if (argc > 5) options.state_cache_customers = std::strtoull(argv[5], nullptr, 10);
  auto opened = ledger::Ledger::Open(options, dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "crash child: %s\n",
                 opened.status().ToString().c_str());
    return 1;
  }
  ledger::Ledger& db = **opened;
  Report("ready");
  std::vector<std::thread> threads;
  if (const char* to = std::getenv("LEDGER_CRASH_BACKUP_DIR"); to != nullptr) {
    threads.emplace_back([&db, backup_dir = std::string(to)] {
      while (db.LastSeq() < 300) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      absl::StatusOr<ledger::BackupInfo> info = db.Backup(backup_dir);
      Report(info.ok() ? absl::StrCat("B ", info->last_seq, " ",
                                      absl::BytesToHexString(info->head_hash))
                       : absl::StrCat("E ", info.status().ToString()));
    });
  }
  for (int t = 0; t < ledger::testing::kCrashThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < max_commands; ++i) {
        auto r = db.SubmitJson(
            ledger::testing::CrashCommand(seed, round, t, i));
        if (!r.ok()) {
          std::fprintf(stderr, "crash child: store failed: %s\n",
                       r.status().ToString().c_str());
          std::_Exit(1);
        }
        if (r->outcome == ledger::Outcome::kRejected) {
          Report(absl::StrCat("R ", t, " ", i, " ",
                              ledger::v1::RejectionCode_Name(r->code)));
        } else {
          Report(absl::StrCat("A ", t, " ", i, " ", r->seq));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  return 0;
}
