// Runs every scenario of tests/scenarios through `ledgerctl apply` and checks
// the results, and then the balances, against expectations worked out by hand
// from docs/contract.md (the scenario files are the independent oracle).
//
// A scenario NAME is three files:
//   NAME.jsonl           commands of docs/contract.md section 4, one per
//                        line (blank lines are skipped by ledgerctl and by
//                        this runner).
//   NAME.expected.jsonl  one result per non-blank command line, in the form of
//                        docs/contract.md sections 7 and 8:
//                        {"key":"k1","status":"ACCEPTED","seq":1,"available":5},
//                        {"key":"k1","status":"ACCEPTED","seq":1,
//                        "duplicate":true}, {"key":"k2","status":"REJECTED",
//                        "code":"INSUFFICIENT_CREDITS"}; "alerts" and
//                        "top_up" (docs/contract.md section 12) as apply
//                        prints them. Required.
//                        "at" (docs/contract.md section 15: the time the
//                        ledger chose) is compared like the others; "*"
//                        stands for any RFC 3339 time, where the writer's
//                        clock stamped it.
//                        "message" is not compared, but every rejection must
//                        carry a non-empty one. "key" may be left out where
//                        the contract does not fix what a rejection echoes (an
//                        invalid key); "key": null must then match null.
//   NAME.balances.jsonl  optional; after the commands, one query per line:
//                        {"customer":"c1","at":"...","expect":{...}} runs
//                        `ledgerctl balance` and checks every field of
//                        `expect` (objects as subsets, arrays element by
//                        element and whole); "expect_absent":["subscription"]
//                        requires top-level fields to be missing;
//                        "expect_error":true requires a non-zero exit.
//   NAME.runs            optional; how the commands are applied when one
//                        `ledgerctl apply` will not do: one line per run,
//                        `COUNT [ARGS...]`, applies the next COUNT command
//                        lines with ARGS added (e.g. `2 --actor alice`,
//                        docs/contract.md section 16: who issues them).
//                        The counts must cover every command line.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/time_util.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

namespace fs = std::filesystem;
using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

constexpr char kExpectedSuffix[] = ".expected.jsonl";
constexpr char kBalancesSuffix[] = ".balances.jsonl";

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsBlank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// The scenario names (file stems) in `dir`, sorted.
std::vector<std::string> ScenarioNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    if (!EndsWith(file, ".jsonl") || EndsWith(file, kExpectedSuffix) ||
        EndsWith(file, kBalancesSuffix)) {
      continue;
    }
    names.push_back(file.substr(0, file.size() - 6));
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Reads a file's lines; false when it cannot be opened.
bool ReadLines(const std::string& path, std::vector<std::string>* lines) {
  std::ifstream in(path);
  if (!in) return false;
  lines->clear();
  std::string line;
  while (std::getline(in, line)) lines->push_back(line);
  return true;
}

std::vector<std::string> NonBlank(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) {
    if (!IsBlank(line)) out.push_back(line);
  }
  return out;
}

// Parses one JSON object; an error message on failure.
bool ParseObject(const std::string& json, Struct* out, std::string* error) {
  auto status = google::protobuf::util::JsonStringToMessage(json, out);
  if (!status.ok()) {
    *error = absl::StrCat("not a JSON object (", status.ToString(), "): ",
                          json);
    return false;
  }
  return true;
}

std::string ToJson(const Value& value) {
  std::string out;
  if (value.kind_case() == Value::kStructValue) {
    (void)google::protobuf::util::MessageToJsonString(value.struct_value(),
                                                      &out);
  } else {
    (void)google::protobuf::util::MessageToJsonString(value, &out);
  }
  return out;
}

bool SameValue(const Value& a, const Value& b) {
  if (a.kind_case() != b.kind_case()) return false;
  switch (a.kind_case()) {
    case Value::kNullValue:
      return true;
    case Value::kNumberValue:
      return a.number_value() == b.number_value();
    case Value::kStringValue:
      return a.string_value() == b.string_value();
    case Value::kBoolValue:
      return a.bool_value() == b.bool_value();
    case Value::kStructValue: {
      const auto& fa = a.struct_value().fields();
      const auto& fb = b.struct_value().fields();
      if (fa.size() != fb.size()) return false;
      for (const auto& [name, value] : fa) {
        auto it = fb.find(name);
        if (it == fb.end() || !SameValue(value, it->second)) return false;
      }
      return true;
    }
    case Value::kListValue: {
      const ListValue& la = a.list_value();
      const ListValue& lb = b.list_value();
      if (la.values_size() != lb.values_size()) return false;
      for (int i = 0; i < la.values_size(); ++i) {
        if (!SameValue(la.values(i), lb.values(i))) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// Checks that `actual` holds every field of `expected` (objects as subsets,
// arrays element by element and whole), appending one message per
// difference, each naming the path.
void MatchSubset(const std::string& path, const Value& expected,
                 const Value& actual, std::vector<std::string>* diffs) {
  if (expected.kind_case() == Value::kStructValue &&
      actual.kind_case() == Value::kStructValue) {
    const auto& have = actual.struct_value().fields();
    for (const auto& [name, want] : expected.struct_value().fields()) {
      const std::string sub = path.empty() ? name : absl::StrCat(path, ".", name);
      auto it = have.find(name);
      if (it == have.end()) {
        diffs->push_back(absl::StrCat(sub, ": missing, expected ",
                                      ToJson(want)));
        continue;
      }
      MatchSubset(sub, want, it->second, diffs);
    }
    return;
  }
  if (expected.kind_case() == Value::kListValue &&
      actual.kind_case() == Value::kListValue) {
    const ListValue& want = expected.list_value();
    const ListValue& have = actual.list_value();
    if (want.values_size() != have.values_size()) {
      diffs->push_back(absl::StrCat(path, ": ", have.values_size(),
                                    " elements, expected ", want.values_size(),
                                    "; got ", ToJson(actual), " expected ",
                                    ToJson(expected)));
      return;
    }
    for (int i = 0; i < want.values_size(); ++i) {
      if (!SameValue(want.values(i), have.values(i))) {
        diffs->push_back(absl::StrCat(path, "[", i, "]: got ",
                                      ToJson(have.values(i)), " expected ",
                                      ToJson(want.values(i))));
      }
    }
    return;
  }
  if (!SameValue(expected, actual)) {
    diffs->push_back(absl::StrCat(path, ": got ", ToJson(actual),
                                  " expected ", ToJson(expected)));
  }
}

// Compares one result line of `ledgerctl apply` with its expectation.
void CompareResult(const Struct& expected, const Struct& actual,
                   std::vector<std::string>* diffs) {
  static const char* const kCompared[] = {"key", "status", "seq", "code",
                                          "duplicate", "available", "at",
                                          "alerts", "top_up"};
  const auto& want = expected.fields();
  const auto& have = actual.fields();
  for (const char* name : kCompared) {
    auto w = want.find(name);
    auto h = have.find(name);
    if (w == want.end()) {
      // "key" may be left out of an expectation on purpose; the other fields
      // must be absent from the result too.
      if (std::string(name) != "key" && h != have.end()) {
        diffs->push_back(absl::StrCat(name, ": unexpected ", ToJson(h->second)));
      }
      continue;
    }
    if (h == have.end()) {
      diffs->push_back(absl::StrCat(name, ": missing, expected ",
                                    ToJson(w->second)));
    } else if (std::string(name) == "at" && w->second.string_value() == "*") {
      if (!ParseTimeUs(h->second.string_value()).ok()) {
        diffs->push_back(absl::StrCat("at: got ", ToJson(h->second),
                                      ", not an RFC 3339 time"));
      }
    } else if (!SameValue(w->second, h->second)) {
      diffs->push_back(absl::StrCat(name, ": got ", ToJson(h->second),
                                    " expected ", ToJson(w->second)));
    }
  }
  for (const auto& [name, value] : have) {
    if (name != "message" &&
        std::find_if(std::begin(kCompared), std::end(kCompared),
                     [&](const char* c) { return name == c; }) ==
            std::end(kCompared)) {
      diffs->push_back(absl::StrCat("unexpected field ", name, ": ",
                                    ToJson(value)));
    }
  }
  auto status = have.find("status");
  if (status != have.end() && status->second.string_value() == "REJECTED") {
    auto message = have.find("message");
    if (message == have.end() ||
        message->second.kind_case() != Value::kStringValue ||
        message->second.string_value().empty()) {
      diffs->push_back("a rejection needs a non-empty \"message\"");
    }
  }
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs `command`, capturing stdout in *out and stderr in *err.
int RunCapturing(const std::string& command, std::string* out,
                 std::string* err) {
  TempDir scratch;
  const std::string err_path = scratch.path() + "/stderr";
  int rc = RunCommand(absl::StrCat(command, " 2>", Quote(err_path)), out);
  std::ifstream in(err_path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  *err = buffer.str();
  return rc;
}

// One `ledgerctl apply` of a scenario: its input file and added arguments.
struct ApplyRun {
  std::string file;
  std::string args;
};

// The runs of NAME.runs (see the top of this file), each given a file of
// its commands beside `db`; without NAME.runs, one run of the whole file.
std::vector<ApplyRun> ApplyRuns(const std::string& scenario,
                                const std::vector<std::string>& commands,
                                const std::string& db,
                                std::vector<std::string>* failures) {
  const std::string runs_path =
      scenario.substr(0, scenario.size() - 6) + ".runs";
  std::vector<std::string> lines;
  if (!ReadLines(runs_path, &lines)) return {ApplyRun{scenario, ""}};
  std::vector<ApplyRun> runs;
  size_t next = 0;
  for (const std::string& line : NonBlank(lines)) {
    std::istringstream words(line);
    size_t count = 0;
    words >> count;
    std::string args;
    std::getline(words, args);
    if (count == 0 || next + count > commands.size()) {
      failures->push_back(absl::StrCat(runs_path, ": bad run '", line, "'"));
      return runs;
    }
    ApplyRun run{absl::StrCat(db, ".run", runs.size(), ".jsonl"), args};
    std::ofstream file(run.file);
    for (size_t i = next; i < next + count; ++i) file << commands[i] << "\n";
    next += count;
    runs.push_back(std::move(run));
  }
  if (next != commands.size()) {
    failures->push_back(absl::StrCat(runs_path, " covers ", next, " of ",
                                     commands.size(), " command lines"));
  }
  return runs;
}

// Checks the results of applying NAME.jsonl against NAME.expected.jsonl.
// Appends every failure to *failures.
void CheckApply(const std::string& scenario, const std::string& expected_path,
                const std::string& db, std::vector<std::string>* failures) {
  std::vector<std::string> commands, expected;
  if (!ReadLines(scenario, &commands)) {
    failures->push_back(absl::StrCat("cannot read scenario ", scenario));
    return;
  }
  if (!ReadLines(expected_path, &expected)) {
    failures->push_back(absl::StrCat(
        "missing expected results ", expected_path,
        ": every scenario needs one result line per command line"));
    return;
  }
  commands = NonBlank(commands);
  expected = NonBlank(expected);
  if (commands.size() != expected.size()) {
    failures->push_back(absl::StrCat(
        expected_path, " has ", expected.size(), " results for ",
        commands.size(), " commands"));
  }
  std::string out;
  for (const ApplyRun& run : ApplyRuns(scenario, commands, db, failures)) {
    // The scenarios are dated freely, years ahead too (a mistyped year is
    // one of them): the future guard at the edge has tests of its own
    // (tests/tools/edge/), these pin what the ledger decides.
    const std::string cmd =
        absl::StrCat(LEDGERCTL_PATH, " apply --max-future off --db ", Quote(db),
                     " ", run.args, " ", Quote(run.file));
    std::string run_out, err;
    int rc = RunCapturing(cmd, &run_out, &err);
    if (rc != 0) {
      failures->push_back(absl::StrCat("`", cmd, "` exited ", rc, ": ", err));
    }
    out += run_out;
  }
  std::vector<std::string> results;
  {
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
      if (!IsBlank(line)) results.push_back(line);
    }
  }
  if (results.size() != commands.size()) {
    failures->push_back(absl::StrCat("ledgerctl wrote ", results.size(),
                                     " results for ", commands.size(),
                                     " commands"));
  }
  const size_t n = std::min(results.size(), expected.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string where =
        absl::StrCat("command ", i + 1, " (",
                     i < commands.size() ? commands[i] : "?", ")");
    Struct want, have;
    std::string error;
    if (!ParseObject(expected[i], &want, &error)) {
      failures->push_back(absl::StrCat(where, ": expected line: ", error));
      continue;
    }
    if (!ParseObject(results[i], &have, &error)) {
      failures->push_back(absl::StrCat(where, ": result: ", error));
      continue;
    }
    std::vector<std::string> diffs;
    CompareResult(want, have, &diffs);
    if (!diffs.empty()) {
      failures->push_back(absl::StrCat(where, "\n    got      ", results[i],
                                       "\n    expected ", expected[i], "\n    ",
                                       absl::StrJoin(diffs, "; ")));
    }
  }
}

// Runs the balance queries of NAME.balances.jsonl, if any.
void CheckBalances(const std::string& balances_path, const std::string& db,
                   std::vector<std::string>* failures) {
  std::vector<std::string> lines;
  if (!ReadLines(balances_path, &lines)) return;
  lines = NonBlank(lines);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where =
        absl::StrCat(balances_path, " line ", i + 1, " (", lines[i], ")");
    Struct check;
    std::string error;
    if (!ParseObject(lines[i], &check, &error)) {
      failures->push_back(absl::StrCat(where, ": ", error));
      continue;
    }
    const auto& f = check.fields();
    auto customer = f.find("customer");
    if (customer == f.end()) {
      failures->push_back(absl::StrCat(where, ": needs \"customer\""));
      continue;
    }
    std::string cmd = absl::StrCat(LEDGERCTL_PATH, " balance --db ", Quote(db),
                                   " --customer ",
                                   Quote(customer->second.string_value()));
    if (auto at = f.find("at"); at != f.end()) {
      absl::StrAppend(&cmd, " --at ", Quote(at->second.string_value()));
    }
    std::string out, err;
    int rc = RunCapturing(cmd, &out, &err);
    auto expect_error = f.find("expect_error");
    if (expect_error != f.end() && expect_error->second.bool_value()) {
      if (rc == 0) {
        failures->push_back(absl::StrCat(where, ": expected a non-zero exit, "
                                                "got 0 and ", out));
      } else if (IsBlank(err)) {
        failures->push_back(absl::StrCat(where, ": no message on stderr"));
      }
      continue;
    }
    if (rc != 0) {
      failures->push_back(
          absl::StrCat(where, ": `", cmd, "` exited ", rc, ": ", err));
      continue;
    }
    Struct balance;
    if (!ParseObject(std::string(absl::StripAsciiWhitespace(out)), &balance,
                     &error)) {
      failures->push_back(absl::StrCat(where, ": balance: ", error));
      continue;
    }
    std::vector<std::string> diffs;
    if (auto expect = f.find("expect"); expect != f.end()) {
      Value have;
      *have.mutable_struct_value() = balance;
      MatchSubset("", expect->second, have, &diffs);
    }
    if (auto absent = f.find("expect_absent"); absent != f.end()) {
      for (const Value& name : absent->second.list_value().values()) {
        if (balance.fields().contains(name.string_value())) {
          diffs.push_back(absl::StrCat(name.string_value(),
                                       ": expected absent, got ",
                                       ToJson(balance.fields().at(
                                           name.string_value()))));
        }
      }
    }
    if (!diffs.empty()) {
      failures->push_back(absl::StrCat(where, "\n    got ", out, "    ",
                                       absl::StrJoin(diffs, "\n    ")));
    }
  }
}

// Runs one scenario in a fresh ledger; every failure, or none.
std::vector<std::string> RunScenario(const std::string& dir,
                                     const std::string& name) {
  std::vector<std::string> failures;
  TempDir db;
  const std::string base = absl::StrCat(dir, "/", name);
  CheckApply(base + ".jsonl", base + kExpectedSuffix, db.path() + "/db",
             &failures);
  if (failures.empty() || fs::exists(db.path() + "/db")) {
    CheckBalances(base + kBalancesSuffix, db.path() + "/db", &failures);
  }
  return failures;
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, Run) {
  for (const std::string& failure : RunScenario(SCENARIO_DIR, GetParam())) {
    ADD_FAILURE() << GetParam() << ": " << failure;
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest,
                         ::testing::ValuesIn(ScenarioNames(SCENARIO_DIR)),
                         TestName);

TEST(ScenarioFilesTest, EveryScenarioHasItsExpectedResults) {
  const auto names = ScenarioNames(SCENARIO_DIR);
  EXPECT_FALSE(names.empty()) << "no scenarios in " << SCENARIO_DIR;
  for (const std::string& name : names) {
    EXPECT_TRUE(fs::exists(absl::StrCat(SCENARIO_DIR, "/", name,
                                        kExpectedSuffix)))
        << name << ".jsonl has no " << name << kExpectedSuffix;
  }
  // And no expectation or balance file is left without its scenario.
  for (const auto& entry : fs::directory_iterator(SCENARIO_DIR)) {
    std::string file = entry.path().filename().string();
    for (const std::string suffix : {kExpectedSuffix, kBalancesSuffix}) {
      if (EndsWith(file, suffix)) {
        std::string stem = file.substr(0, file.size() - suffix.size());
        EXPECT_TRUE(fs::exists(absl::StrCat(SCENARIO_DIR, "/", stem, ".jsonl")))
            << file << " has no scenario " << stem << ".jsonl";
      }
    }
  }
}

TEST(ScenarioRunnerTest, ScenarioWithoutExpectedResultsFailsLoudly) {
  TempDir dir;
  std::ofstream(dir.path() + "/lonely.jsonl")
      << R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z",)"
      << R"("purchase":{"purchase_id":"p1","credits":1,"amount_minor":1,)"
      << R"("currency":"USD"}})" << "\n";
  ASSERT_EQ(ScenarioNames(dir.path()), std::vector<std::string>{"lonely"});
  auto failures = RunScenario(dir.path(), "lonely");
  ASSERT_EQ(failures.size(), 1u) << absl::StrJoin(failures, "\n");
  EXPECT_NE(failures[0].find("missing expected results"), std::string::npos)
      << failures[0];
}

TEST(ScenarioRunnerTest, WrongExpectationNamesTheLineAndTheField) {
  TempDir dir;
  std::ofstream(dir.path() + "/wrong.jsonl")
      << R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z",)"
      << R"("purchase":{"purchase_id":"p1","credits":1,"amount_minor":1,)"
      << R"("currency":"USD"}})" << "\n";
  std::ofstream(dir.path() + "/wrong.expected.jsonl")
      << R"({"key":"k1","status":"ACCEPTED","seq":2})" << "\n";
  std::ofstream(dir.path() + "/wrong.balances.jsonl")
      << R"({"customer":"c1","at":"2026-03-08T10:00:00Z",)"
      << R"("expect":{"available":2}})" << "\n";
  auto failures = RunScenario(dir.path(), "wrong");
  ASSERT_EQ(failures.size(), 2u) << absl::StrJoin(failures, "\n");
  EXPECT_NE(failures[0].find("command 1"), std::string::npos) << failures[0];
  EXPECT_NE(failures[0].find("seq: got 1 expected 2"), std::string::npos)
      << failures[0];
  EXPECT_NE(failures[1].find("available: got 1 expected 2"), std::string::npos)
      << failures[1];
}

}  // namespace
}  // namespace ledger::testing
