#include "tests/test_util.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/time_util.h"
#include "tools/workload/command_json.h"

namespace ledger::testing {

TempDir::TempDir() {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "ledger-test-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

TestLedger::TestLedger() { Reopen(); }

TestLedger::TestLedger(const Options& options) : options_(options) {
  Reopen();
}

void TestLedger::Reopen() {
  ledger_.reset();
  auto opened = Ledger::Open(options_, dir_.path());
  if (!opened.ok()) {
    ADD_FAILURE() << "open failed: " << opened.status();
    std::abort();
  }
  ledger_ = std::move(opened).value();
}

SubmitResult TestLedger::Json(const std::string& json) {
  auto result = ledger_->SubmitJson(json);
  if (!result.ok()) {
    ADD_FAILURE() << "store failed on " << json << ": " << result.status();
    return SubmitResult();
  }
  return *result;
}

void TestLedger::WriteFourEventsAndClose() {
  for (const char* json : kFourEventCommands) {
    ASSERT_EQ(Code(json), "ACCEPTED") << json;
  }
  Close();
}

std::string FourEventCommandLines(int n) {
  std::string text;
  for (int i = 0; i < n && i < 4; ++i) absl::StrAppend(&text, kFourEventCommands[i], "\n");
  return text;
}

void TestLedger::WriteManyEvents(int events) {
  constexpr int kCustomers = 10;
  constexpr int kPerBatch = 1000;
  std::vector<std::string> lines;
  for (int i = 1; i <= events; ++i) {
    const int customer = i % kCustomers;
    const std::string key = absl::StrCat("k", i);
    const std::string who = absl::StrCat("c", customer);
    lines.push_back(
        i <= kCustomers
            ? workload::PurchaseJson({.key = key,
                                      .customer = who,
                                      .at = "2026-03-08T10:00:00Z",
                                      .purchase_id = "p1",
                                      .credits = 1000000,
                                      .amount_minor = 1999})
            : workload::UseJson({.key = key,
                                 .customer = who,
                                 .at = "2026-03-08T11:00:00Z",
                                 .usage_id = absl::StrCat("u", i),
                                 .category = "AI_PROCESSING",
                                 .credits = 1}));
    if (lines.size() == kPerBatch || i == events) {
      auto results = ledger_->SubmitJsonBatch(lines);
      ASSERT_TRUE(results.ok()) << results.status();
      for (const SubmitResult& r : *results) {
        ASSERT_EQ(OutcomeName(r), "ACCEPTED") << "event " << r.seq;
      }
      lines.clear();
    }
  }
}

std::string TestLedger::Code(const std::string& json) {
  return OutcomeName(Json(json));
}

Balance TestLedger::BalanceAt(const std::string& customer,
                              const std::string& rfc3339) {
  auto at = ParseTimeUs(rfc3339);
  if (!at.ok()) {
    ADD_FAILURE() << at.status();
    return Balance();
  }
  auto balance = ledger_->GetBalance(customer, *at);
  if (!balance.ok()) {
    ADD_FAILURE() << "balance of " << customer << ": " << balance.status();
    return Balance();
  }
  return *balance;
}

std::string OutcomeName(const SubmitResult& result) {
  switch (result.outcome) {
    case Outcome::kAccepted:
      return "ACCEPTED";
    case Outcome::kDuplicate:
      return "DUPLICATE";
    case Outcome::kRejected:
      return v1::RejectionCode_Name(result.code);
  }
  return "?";
}

int RunCommand(const std::string& command, std::string* out) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out->append(buf, n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int RunLedgerctl(const std::string& args, std::string* out, Stderr err) {
  return RunCommand(std::string(LEDGERCTL_PATH) + " " + args +
                        (err == Stderr::kIntoOut ? " 2>&1" : " 2>/dev/null"),
                    out);
}

LedgerctlRun RunLedgerctlApart(const std::string& args) {
  TempDir files;
  const std::string err_path = files.path() + "/err";
  LedgerctlRun run;
  run.code = RunCommand(absl::StrCat(LEDGERCTL_PATH, " ", args, " 2>", err_path),
                        &run.out);
  std::ifstream in(err_path);
  std::stringstream text;
  text << in.rdbuf();
  run.err = text.str();
  return run;
}

std::string LedgerctlExpecting(const std::string& args, int expected_exit) {
  std::string out;
  EXPECT_EQ(RunLedgerctl(args, &out, Stderr::kIntoOut), expected_exit)
      << args << "\n" << out;
  return out;
}

bool WaitUntil(const std::function<bool()>& reached, absl::Duration patience) {
  const absl::Time deadline = absl::Now() + patience;
  for (;;) {
    if (reached()) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

google::protobuf::Struct ParseJsonObject(const std::string& json) {
  google::protobuf::Struct object;
  auto status = google::protobuf::util::JsonStringToMessage(json, &object);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << json;
  return object;
}

}  // namespace ledger::testing
