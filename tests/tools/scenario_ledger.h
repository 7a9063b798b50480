// A ledger with some of everything for the audit tests: the commands of all
// of tests/scenarios, each file's customers and keys prefixed with the
// file's number ("s3-c1", "s3-k-1") so that the scenarios do not collide
// (one customer per scenario, as the scenarios were written) and most
// commands are accepted.
#ifndef CREDIT_LEDGER_TESTS_TOOLS_SCENARIO_LEDGER_H_
#define CREDIT_LEDGER_TESTS_TOOLS_SCENARIO_LEDGER_H_

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/test_util.h"

namespace ledger::testing {

// The command files of tests/scenarios, sorted.
inline std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(SCENARIO_DIR)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".jsonl") && !name.ends_with(".expected.jsonl") &&
        !name.ends_with(".balances.jsonl")) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::vector<std::string> NonBlankLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) {
      lines.push_back(line);
    }
  }
  return lines;
}

// Every scenario command, customers and keys prefixed per file. The files
// write `"customer":"c1"` and `"key":"k"` without spaces; a line written
// otherwise is kept as it is (and may then be rejected, which is fine).
inline std::vector<std::string> ScenarioCommands() {
  std::vector<std::string> out;
  int n = 0;
  for (const std::string& file : ScenarioFiles()) {
    const std::string prefix = absl::StrCat("s", ++n, "-");
    for (const std::string& line : NonBlankLines(file)) {
      out.push_back(absl::StrReplaceAll(
          line, {{"\"customer\":\"", absl::StrCat("\"customer\":\"", prefix)},
                 {"\"key\":\"", absl::StrCat("\"key\":\"", prefix)}}));
    }
  }
  return out;
}

// Builds that ledger in `db` through `ledgerctl apply`; false on failure.
inline bool BuildScenarioLedger(const std::string& db,
                                const std::string& scratch_file) {
  {
    std::ofstream out(scratch_file, std::ios::binary);
    for (const std::string& line : ScenarioCommands()) out << line << "\n";
    if (!out.good()) return false;
  }
  std::string results;
  return RunCommand(absl::StrCat(LEDGERCTL_PATH, " apply --db ", db, " ",
                                 scratch_file, " 2>/dev/null"),
                    &results) == 0;
}

}  // namespace ledger::testing

#endif  // CREDIT_LEDGER_TESTS_TOOLS_SCENARIO_LEDGER_H_
