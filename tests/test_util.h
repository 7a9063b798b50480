// Shared test helpers: temporary folders, a ledger opened in one, and
// submitting JSON commands with readable failures.
#ifndef CREDIT_LEDGER_TESTS_TEST_UTIL_H_
#define CREDIT_LEDGER_TESTS_TEST_UTIL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"

namespace ledger::testing {

// A fresh folder under the test's temporary directory, removed on
// destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A ledger in a TempDir. Fails the test (ASSERT) when it cannot open.
class TestLedger {
 public:
  TestLedger();
  // Opens (and reopens) with `options`, e.g. a small state cache.
  explicit TestLedger(const Options& options);
  Ledger& operator*() { return *ledger_; }
  Ledger* operator->() { return ledger_.get(); }
  const std::string& dir() const { return dir_.path(); }
  // Closes and reopens the same folder.
  void Reopen();
  // Closes the ledger (e.g. before running ledgerctl on the folder).
  void Close() { ledger_.reset(); }

  // Submits one JSON command; the store must not fail.
  SubmitResult Json(const std::string& json);
  // The RejectionCode name of a rejected result, "ACCEPTED" or "DUPLICATE".
  std::string Code(const std::string& json);
  Balance BalanceAt(const std::string& customer, const std::string& rfc3339);
  // Logs four commands, keys k1..k4 at seqs 1..4, then closes the ledger:
  // c1 buys 1000 and uses 60, c2 buys 300 (dated before c1's events, so the
  // log is not in time order across customers), c1 uses 40.
  void WriteFourEventsAndClose();
  // Logs `events` accepted events in batches: a purchase for each of ten
  // customers, then one-credit uses spread over them, keys "k1", "k2", ...
  // in seq order. For logs longer than replay's batches.
  void WriteManyEvents(int events);

 private:
  TempDir dir_;
  Options options_;
  std::unique_ptr<Ledger> ledger_;
};

// The commands TestLedger::WriteFourEventsAndClose logs, in order, as JSON
// lines: c1 buys 1000 (p1, 19.99 USD, 10:00) and uses 60 (11:00), c2 buys
// 300 (p1, 5.00 EUR, 09:00, before c1's events), c1 uses 40 (12:00).
inline constexpr const char* kFourEventCommands[] = {
    R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":1000,"amount_minor":1999,"currency":"USD"}})",
    R"({"key":"k2","customer":"c1","at":"2026-03-08T11:00:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":60}})",
    R"({"key":"k3","customer":"c2","at":"2026-03-08T09:00:00Z","purchase":{"purchase_id":"p1","credits":300,"amount_minor":500,"currency":"EUR"}})",
    R"({"key":"k4","customer":"c1","at":"2026-03-08T12:00:00Z","use":{"usage_id":"u2","category":"AI_PROCESSING","credits":40}})",
};
// The first `n` of them as the text of a .jsonl file (each line ended).
std::string FourEventCommandLines(int n = 4);

// "ACCEPTED", "DUPLICATE" or the rejection code's name.
std::string OutcomeName(const SubmitResult& result);

// Runs a shell command, returns its exit status and fills stdout.
int RunCommand(const std::string& command, std::string* out);

// Where RunLedgerctl sends ledgerctl's stderr.
enum class Stderr { kDiscard, kIntoOut };

// Runs the ledgerctl under test (LEDGERCTL_PATH) with `args`, words for the
// shell; returns its exit status, with its stdout (and its stderr, with
// kIntoOut) in *out.
int RunLedgerctl(const std::string& args, std::string* out,
                 Stderr err = Stderr::kDiscard);

// One run of the ledgerctl under test, its stdout and stderr apart.
struct LedgerctlRun {
  int code = -1;
  std::string out;
  std::string err;
};
LedgerctlRun RunLedgerctlApart(const std::string& args);

// Runs ledgerctl with `args` and expects it to exit with `expected_exit`
// (a test failure naming the args and output otherwise); returns its stdout
// followed by its stderr.
std::string LedgerctlExpecting(const std::string& args, int expected_exit = 0);

// Waits until `reached` holds, checking it every millisecond, for at most
// `patience`; returns whether it held. For a test that must know another
// thread got somewhere (a consumer blocked, a writer mid-group) before it
// acts: a sleep only hopes so, and a wait without a bound can hang the suite.
bool WaitUntil(const std::function<bool()>& reached,
               absl::Duration patience = absl::Seconds(30));

// The lines of `text`, without their line breaks.
std::vector<std::string> SplitLines(const std::string& text);

// Writes `text` to `path` (a test failure when it cannot).
void WriteFile(const std::string& path, const std::string& text);

// Parses one JSON object; a test failure, and an empty object, when `json`
// is not one.
google::protobuf::Struct ParseJsonObject(const std::string& json);

// The state cache sizes the randomized and crash suites run with: the
// default, and one customer, so that almost every command reads its
// customer (and the entity it names) back from the store. Use as
//   INSTANTIATE_TEST_SUITE_P(StateCache, Suite, StateCacheSizes(),
//                            StateCacheName);
inline constexpr size_t kOneCustomerCached = 1;
inline auto StateCacheSizes() {
  return ::testing::Values(Options().state_cache_customers, kOneCustomerCached);
}
inline std::string StateCacheName(const ::testing::TestParamInfo<size_t>& info) {
  return info.param == kOneCustomerCached ? "OneCustomerCached" : "DefaultCache";
}
// Options with `state_cache_customers` set to `customers`.
inline Options WithStateCache(size_t customers) {
  Options options;
  options.state_cache_customers = customers;
  return options;
}

}  // namespace ledger::testing

#endif  // CREDIT_LEDGER_TESTS_TEST_UTIL_H_
