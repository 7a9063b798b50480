// A million distinct customers through `ledgerctl apply` (docs/reliability.md,
// "Hostile input"): one purchase each, generated while apply reads them (the
// input is never on disk), every result checked as it streams out. Peak
// memory grows with the customers by design (docs/storage.md, "Memory":
// every customer's state is in memory); the test reports it and bounds it.
// Slow (minutes), so it is its own binary under the ctest label "slow",
// outside `make test`: `ctest -L slow`. LEDGER_MILLION_CUSTOMERS sets the
// count (default 1000000).
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/reliability/run_process.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::RunProcess;
using testing::TempDir;
using testing::WriteAll;

TEST(HostileInput, AMillionDistinctCustomersStreamThroughApply) {
  const char* env = std::getenv("LEDGER_MILLION_CUSTOMERS");
  const long customers = env != nullptr ? std::atol(env) : 1000000;
  TempDir dir;
  long results = 0, accepted = 0, in_order = 0;
  std::string pending;
  auto run = RunProcess(
      {LEDGERCTL_PATH, "apply", "--db", dir.path() + "/db"},
      [&](int fd) {
        std::string chunk;
        for (long i = 0; i < customers; ++i) {
          absl::StrAppend(&chunk, R"({"key":"k)", i, R"(","customer":"cust-)",
                          i, R"(","at":"2026-03-08T10:00:00Z","purchase":)",
                          R"({"purchase_id":"p1","credits":100,)",
                          R"("amount_minor":199,"currency":"USD"}})", "\n");
          if (chunk.size() > (1 << 16)) {
            if (!WriteAll(fd, chunk.data(), chunk.size())) return;
            chunk.clear();
          }
        }
        WriteAll(fd, chunk.data(), chunk.size());
      },
      [&](int fd) {
        char buf[1 << 16];
        for (;;) {
          ssize_t n = ::read(fd, buf, sizeof buf);
          if (n <= 0) return;
          pending.append(buf, static_cast<size_t>(n));
          size_t start = 0, nl;
          while ((nl = pending.find('\n', start)) != std::string::npos) {
            std::string line = pending.substr(start, nl - start);
            std::erase(line, ' ');  // results are {"key": "k1", "seq": 1, ...}
            ++results;
            if (line.find(R"("status":"ACCEPTED")") != std::string::npos) {
              ++accepted;
              const std::string seq = absl::StrCat(R"("seq":)", results);
              const size_t at = line.find(seq);
              if (at != std::string::npos &&
                  (line[at + seq.size()] == ',' ||
                   line[at + seq.size()] == '}')) {
                ++in_order;
              }
            }
            start = nl + 1;
          }
          pending.erase(0, start);
        }
      });
  std::cout << "[ figures ] " << customers << " customers: " << accepted
            << " accepted in " << run.seconds << " s ("
            << static_cast<long>(customers / run.seconds)
            << " commands/s), peak RSS " << run.max_rss_kb / 1024 << " MiB ("
            << run.max_rss_kb * 1024 / customers << " bytes per customer)\n";
  EXPECT_EQ(run.signal, 0);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(results, customers);
  EXPECT_EQ(accepted, customers);
  EXPECT_EQ(in_order, customers) << "seqs are not 1..N in input order";
  // Memory grows with customers (their state is in memory) but stays within
  // a few KiB each.
  EXPECT_LT(run.max_rss_kb * 1024 / customers, 4096);

  std::string out;
  EXPECT_EQ(testing::RunCommand(
                absl::StrCat(LEDGERCTL_PATH, " balance --db ", dir.path(),
                             "/db --customer cust-", customers - 1),
                &out),
            0);
  std::erase(out, ' ');
  EXPECT_NE(out.find(R"("available":100)"), std::string::npos) << out;
}

}  // namespace
}  // namespace ledger
