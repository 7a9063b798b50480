#include "tests/test_util.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/time_util.h"

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

void TestLedger::Reopen() {
  ledger_.reset();
  auto opened = Ledger::Open(Options(), dir_.path());
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
