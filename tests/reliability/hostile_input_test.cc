// Hostile input through `ledgerctl apply` (docs/reliability.md, "Hostile
// input"): a 100 MB line, invalid UTF-8, deeply nested JSON, NUL bytes,
// numbers at and past the int64 limits. Each line must get a clear
// INVALID_COMMAND or its correct outcome; ledgerctl must not crash, must
// keep its peak memory bounded (the 100 MB line is never held), and every
// result line must be valid UTF-8 and valid JSON. (A million distinct
// customers is tests/reliability/million_customers.cc, label "slow".)
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/base/utf8.h"
#include "tests/reliability/run_process.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::ProcessResult;
using testing::RunProcess;
using testing::TempDir;
using testing::WriteAll;

// An outcome as the test expects it: "ACCEPTED", "DUPLICATE", a rejection
// code, and for INVALID_COMMAND optionally "INVALID_COMMAND key=null".
struct Case {
  std::string line;
  std::string expect;
  std::string why;
};

// What one result line says, in the form of Case::expect.
std::string Outcome(const std::string& result_line) {
  google::protobuf::Struct s;
  if (!IsValidUtf8(result_line)) return "NOT-UTF8: " + result_line;
  if (!google::protobuf::util::JsonStringToMessage(result_line, &s).ok()) {
    return "NOT-JSON: " + result_line;
  }
  const auto& f = s.fields();
  if (f.at("status").string_value() == "ACCEPTED") {
    return f.count("duplicate") ? "DUPLICATE" : "ACCEPTED";
  }
  std::string code = f.at("code").string_value();
  if (f.at("key").has_null_value()) code += " key=null";
  return code;
}

std::string Ledgerctl() { return LEDGERCTL_PATH; }

// Applies the lines (each followed by '\n') and returns the result lines.
std::vector<std::string> Apply(const std::string& db,
                               const std::vector<std::string>& lines,
                               ProcessResult* result) {
  std::string out;
  *result = RunProcess(
      {Ledgerctl(), "apply", "--db", db},
      [&](int fd) {
        for (const std::string& l : lines) {
          if (!WriteAll(fd, l.data(), l.size()) || !WriteAll(fd, "\n", 1)) {
            return;
          }
        }
      },
      [&](int fd) { testing::ReadAll(fd, &out); });
  std::vector<std::string> results;
  size_t start = 0;
  while (start < out.size()) {
    size_t nl = out.find('\n', start);
    if (nl == std::string::npos) nl = out.size();
    results.push_back(out.substr(start, nl - start));
    start = nl + 1;
  }
  return results;
}

int inputs_tried = 0;

void RunCases(const std::vector<Case>& cases) {
  TempDir dir;
  std::vector<std::string> lines;
  for (const Case& c : cases) lines.push_back(c.line);
  ProcessResult run;
  std::vector<std::string> results = Apply(dir.path() + "/db", lines, &run);
  EXPECT_EQ(run.signal, 0) << "ledgerctl apply was killed by signal "
                           << run.signal;
  EXPECT_EQ(run.exit_code, 0);
  ASSERT_EQ(results.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string got = Outcome(results[i]);
    // "A|B": either outcome is correct.
    bool match = false;
    for (const std::string& want :
         std::vector<std::string>(absl::StrSplit(cases[i].expect, '|'))) {
      match = match || got == want ||
              (want == "INVALID_COMMAND" && got == "INVALID_COMMAND key=null");
    }
    EXPECT_TRUE(match) << cases[i].why << ": expected " << cases[i].expect
                       << ", got " << got << "\n  result: "
                       << results[i].substr(0, 300);
    ++inputs_tried;
  }
  std::cout << "[ info ] " << cases.size() << " hostile lines, peak RSS "
            << run.max_rss_kb / 1024 << " MiB\n";
}

std::string Buy(const std::string& key, const std::string& customer,
                const std::string& credits, const std::string& amount = "100",
                const std::string& at = "2026-03-08T10:00:00Z") {
  return absl::StrCat(R"({"key":")", key, R"(","customer":")", customer,
                      R"(","at":")", at,
                      R"(","purchase":{"purchase_id":"p-)", key,
                      R"(","credits":)", credits, R"(,"amount_minor":)",
                      amount, R"(,"currency":"USD"}})");
}

std::string Compensate(const std::string& key, const std::string& verified_by) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":"c1",)",
                      R"("at":"2026-03-08T12:00:00Z","compensate":{)",
                      R"("adjustment_id":"a-)", key,
                      R"(","usage_id":"u1","credits":1,"verified_by":")",
                      verified_by, "\"}}");
}

TEST(HostileInput, AHundredMegabyteLineIsRejectedWithoutBeingHeld) {
  TempDir dir;
  constexpr size_t kLineBytes = 100u << 20;
  const std::string head = R"({"key":"big","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":")";
  const std::string tail = R"(","credits":1,"amount_minor":1,"currency":"USD"}})";
  std::string out;
  ProcessResult run = RunProcess(
      {Ledgerctl(), "apply", "--db", dir.path() + "/db"},
      [&](int fd) {
        std::string chunk(1 << 20, 'x');
        WriteAll(fd, head.data(), head.size());
        for (size_t sent = head.size(); sent < kLineBytes; sent += chunk.size()) {
          if (!WriteAll(fd, chunk.data(), chunk.size())) return;
        }
        WriteAll(fd, tail.data(), tail.size());
        const std::string next = "\n" + Buy("k1", "c1", "5") + "\n";
        WriteAll(fd, next.data(), next.size());
        // A 100 MB line of blanks is skipped, and a last line without '\n'.
        std::string blank(1 << 20, ' ');
        for (int i = 0; i < 100; ++i) WriteAll(fd, blank.data(), blank.size());
        const std::string last = "\n" + Buy("k2", "c1", "5");
        WriteAll(fd, last.data(), last.size());
      },
      [&](int fd) { testing::ReadAll(fd, &out); });
  EXPECT_EQ(run.signal, 0);
  EXPECT_EQ(run.exit_code, 0);
  std::vector<std::string> lines;
  for (size_t s = 0, nl; s < out.size(); s = nl + 1) {
    nl = out.find('\n', s);
    if (nl == std::string::npos) nl = out.size();
    lines.push_back(out.substr(s, nl - s));
  }
  ASSERT_EQ(lines.size(), 3u) << out;
  EXPECT_EQ(Outcome(lines[0]), "INVALID_COMMAND key=null") << lines[0];
  EXPECT_EQ(Outcome(lines[1]), "ACCEPTED") << lines[1];
  EXPECT_EQ(Outcome(lines[2]), "ACCEPTED") << lines[2];
  inputs_tried += 4;
  // The same two small commands alone, in a ledger of their own: what
  // ledgerctl itself takes in this build (a sanitizer's runtime adds tens of
  // MiB that have nothing to do with the input).
  TempDir base_dir;
  ProcessResult baseline = RunProcess(
      {Ledgerctl(), "apply", "--db", base_dir.path() + "/db"},
      [&](int fd) {
        const std::string small =
            Buy("k1", "c1", "5") + "\n" + Buy("k2", "c1", "5") + "\n";
        WriteAll(fd, small.data(), small.size());
      },
      [&](int fd) { std::string ignored; testing::ReadAll(fd, &ignored); });
  ASSERT_EQ(baseline.exit_code, 0);
  std::cout << "[ figures ] 100 MB line: peak RSS " << run.max_rss_kb / 1024
            << " MiB (two small commands alone: "
            << baseline.max_rss_kb / 1024 << " MiB), " << run.seconds
            << " s\n";
  // Far below the line above what ledgerctl needs anyway: the line was
  // never held in memory (holding it would add 100 MiB).
  EXPECT_LT(run.max_rss_kb - baseline.max_rss_kb, 32 * 1024);
}

TEST(HostileInput, InvalidUtf8IsInvalidCommandAndResultsStayUtf8) {
  RunCases({
      {Buy("ok", "c1", "100"), "ACCEPTED", "a valid purchase"},
      {"{\"key\":\"k\xff\",\"customer\":\"c1\",\"at\":\"2026-03-08T10:00:00Z\","
       "\"expire\":{}}",
       "INVALID_COMMAND", "0xFF in the key"},
      {Compensate("u1", "ops\xc3\x28"), "INVALID_COMMAND",
       "broken two-byte sequence in free text"},
      {Compensate("u2", "\xc0\xaf"), "INVALID_COMMAND", "overlong encoding"},
      {Compensate("u3", "\xed\xa0\x80"), "INVALID_COMMAND",
       "UTF-8 encoded surrogate"},
      {Compensate("u4", "\\ud800"), "INVALID_COMMAND", "escaped lone surrogate"},
      {Compensate("u5", "\xf4\x90\x80\x80"), "INVALID_COMMAND",
       "code point above U+10FFFF"},
      {"\xff\xfe{\"key\":\"k\"}", "INVALID_COMMAND key=null", "garbage bytes"},
      {"{\"key\":\"\xe2\x82\",\"x\":1}", "INVALID_COMMAND",
       "truncated sequence in a key that cannot be quoted back"},
      {Buy("c\xc3\xa9", "c1", "1"), "INVALID_COMMAND",
       "valid UTF-8 outside printable ASCII in a key"},
      {Buy("ok2", "c\xc3\xa9", "1"), "INVALID_COMMAND",
       "non-ASCII customer id"},
  });
}

std::string Nest(int depth, const std::string& open, const std::string& close,
                 const std::string& inner) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += open;
  s += inner;
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}

const char kNestHead[] =
    R"({"key":"n1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":)";

// Depths up to 2000 (protobuf's JSON parser stops nested objects at 100 but
// not nested arrays; see the disabled test below for deeper arrays).
TEST(HostileInput, DeeplyNestedJsonIsInvalidCommand) {
  const std::string head = kNestHead;
  RunCases({
      {head + Nest(2000, "[", "]", "") + "}", "INVALID_COMMAND",
       "2000 nested arrays as a kind"},
      {head + Nest(10000, R"({"a":)", "}", "1") + "}", "INVALID_COMMAND",
       "10000 nested objects as a kind"},
      {Nest(30000, "[", "]", ""), "INVALID_COMMAND key=null",
       "30000 nested arrays alone"},
      {Nest(10000, R"({"key":)", "}", R"("k")"), "INVALID_COMMAND",
       "10000 nested objects named key"},
      {R"({"key":"n2","x":)" + Nest(2000, "[", "]", "") + "}",
       "INVALID_COMMAND", "nesting inside an unknown field"},
      {Nest(30000, "[", "", ""), "INVALID_COMMAND key=null",
       "30000 unclosed brackets"},
      {Buy("after", "c1", "1"), "ACCEPTED", "a valid line after them"},
  });
}

// Arrays nested inside an object cost time that grows about as the square
// of the depth in protobuf 3.21's JSON parser (3000 levels 0.4 s, 12000
// 7.7 s, a 64 KiB line of 32000 levels minutes). The ledger refuses nesting
// deeper than a command needs before protobuf parses the line.
TEST(HostileInput, DeepNestingAtTheLineLimitIsRejectedQuickly) {
  const auto started = std::chrono::steady_clock::now();
  RunCases({{std::string(kNestHead) + Nest(32000, "[", "]", "") + "}",
             "INVALID_COMMAND", "32000 nested arrays as a kind"}});
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                          started).count(),
            2.0);
}

TEST(HostileInput, NulBytesAreInvalidCommand) {
  using namespace std::string_literals;
  RunCases({
      {Buy("ok", "c1", "1"), "ACCEPTED", "a valid purchase"},
      {Buy("k\0x"s, "c1", "1"), "INVALID_COMMAND", "raw NUL inside the key"},
      {Buy("k\\u0000x", "c1", "1"), "INVALID_COMMAND", "escaped NUL in the key"},
      {Buy("k3", "c1\\u0000", "1"), "INVALID_COMMAND",
       "escaped NUL in the customer"},
      {Compensate("k4", "ops\\u0000"), "INVALID_COMMAND|UNKNOWN_USAGE",
       "escaped NUL in free text: a control character (INVALID_COMMAND) or "
       "valid UTF-8 judged further (c1 has no usage u1)"},
      {"\0"s, "INVALID_COMMAND key=null", "a line that is one NUL"},
      {Buy("k5", "c1", "1") + "\0"s, "INVALID_COMMAND",
       "NUL after the object"},
      {"\0"s + Buy("k6", "c1", "1"), "INVALID_COMMAND key=null",
       "NUL before the object"},
      {Buy("k7", "c1", "1"), "ACCEPTED", "a valid line after them"},
  });
}

TEST(HostileInput, NumbersAtTheInt64LimitsAreRejectedOrExact) {
  std::vector<Case> cases = {
      {Buy("max", "c1", "1000000000000000", "1000000000000000"), "ACCEPTED",
       "credits and amount at 10^15"},
      {Buy("i1", "c1", "1000000000000001"), "INVALID_COMMAND",
       "credits 10^15 + 1"},
      {Buy("i2", "c1", "9223372036854775807"), "INVALID_COMMAND",
       "credits INT64_MAX"},
      {Buy("i3", "c1", "9223372036854775808"), "INVALID_COMMAND",
       "credits INT64_MAX + 1"},
      {Buy("i4", "c1", "-9223372036854775808"), "INVALID_COMMAND",
       "credits INT64_MIN"},
      {Buy("i5", "c1", "-9223372036854775809"), "INVALID_COMMAND",
       "credits INT64_MIN - 1"},
      {Buy("i6", "c1", "18446744073709551616"), "INVALID_COMMAND",
       "credits 2^64"},
      {Buy("i7", "c1", "1e300"), "INVALID_COMMAND", "credits 1e300"},
      {Buy("i8", "c1", "0"), "INVALID_COMMAND", "credits 0"},
      {Buy("i9", "c1", "-1"), "INVALID_COMMAND", "credits -1"},
      {Buy("i10", "c1", "1.5"), "INVALID_COMMAND", "credits 1.5"},
      {Buy("i11", "c1", "\"1000\""), "INVALID_COMMAND", "credits as a string"},
      {Buy("i12", "c1", "5", "1000000000000001"), "INVALID_COMMAND",
       "amount 10^15 + 1"},
      {Buy("i13", "c1", "5", "-1"), "INVALID_COMMAND", "amount -1"},
      {Buy("i14", "c1", "5", "9223372036854775807"), "INVALID_COMMAND",
       "amount INT64_MAX"},
      {Buy("i15", "c1", "NaN"), "INVALID_COMMAND", "credits NaN"},
      {Buy("i16", "c1", "5", "100", "10000-01-01T00:00:00Z"),
       "INVALID_COMMAND", "a time past year 9999"},
      {Buy("i17", "c1", "5", "100", "1969-12-31T23:59:59Z"),
       "INVALID_COMMAND", "a time before 1970"},
      {R"({"key":"pol","at":"2026-03-08T10:00:00Z","set_policy":{"version":"v2","refund_window_hours":87601,"inquiry_window_hours":1}})",
       "INVALID_COMMAND", "a window of 87601 hours"},
      {R"({"key":"pol2","at":"2026-03-08T10:00:00Z","set_policy":{"version":"v2","refund_window_hours":87600,"inquiry_window_hours":87600}})",
       "ACCEPTED", "windows of 87600 hours"},
  };
  // 10^18 credits is the most a customer may hold (docs/contract.md section 5
  // step 7): 999 more purchases of 10^15 reach it exactly, the next one is
  // LIMIT_EXCEEDED.
  for (int i = 0; i < 999; ++i) {
    cases.push_back({Buy(absl::StrCat("fill", i), "c1", "1000000000000000",
                         "1000000000000000"),
                     "ACCEPTED", absl::StrCat("purchase ", i + 2, " of 10^15")});
  }
  cases.push_back({Buy("over", "c1", "1"), "LIMIT_EXCEEDED",
                   "one credit past 10^18"});
  // Cash of a refund: floor(10^15 * (10^15 - 1) / 10^15) needs 128 bits.
  cases.push_back({R"({"key":"use1","customer":"c1","at":"2026-03-08T11:00:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":1}})",
                   "ACCEPTED", "spend one credit of the first lot"});
  cases.push_back({R"({"key":"rr","customer":"c1","at":"2026-03-08T12:00:00Z","request_refund":{"refund_id":"r1","purchase_id":"p-max"}})",
                   "ACCEPTED", "refund the first lot"});
  cases.push_back({R"({"key":"ar","customer":"c1","at":"2026-03-08T12:00:00Z","approve_refund":{"refund_id":"r1"}})",
                   "ACCEPTED", "approve it"});
  RunCases(cases);
}

}  // namespace
}  // namespace ledger
