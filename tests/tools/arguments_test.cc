// ledgerctl's argument parser (tools/ledgerctl/arguments.h), without running ledgerctl:
// values given as the next word or after "=", flags, repeats, positionals,
// and what a mistake or --help prints and returns.
#include "tools/ledgerctl/arguments.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/time_util.h"

namespace ledger::tools {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kUsage = "usage: ledgerctl demo --db DIR [FILE]\n";

const CommandSpec& Spec() {
  static const CommandSpec spec = {
      .name = "demo",
      .summary = "a command for the tests",
      .usage = kUsage,
      .options = {"db", "at", "limit", "format"},
      .formats = {Format::kJsonl, Format::kJson, Format::kCsv},
      .required = {"db"},
      .flags = {"follow"},
      .max_positionals = 1,
  };
  return spec;
}

// What ParseArgs answered for one command line, with what it printed.
struct Parsed {
  bool ok = false;
  int exit_code = -1;  // as ParseArgs left it (untouched on success)
  Args args;
  std::string out;
  std::string err;
};

Parsed Parse(std::vector<std::string> words) {
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  Parsed p;
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  p.ok = ParseArgs(Spec(), argv, &p.args, &p.exit_code);
  p.out = ::testing::internal::GetCapturedStdout();
  p.err = ::testing::internal::GetCapturedStderr();
  return p;
}

// A usage error: exit 2, "ledgerctl demo: PROBLEM" and one line pointing
// at --help on stderr (not the whole usage), nothing on stdout.
void ExpectUsageError(const Parsed& p, const std::string& problem) {
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.exit_code, kExitUsage);
  EXPECT_EQ(p.err, "ledgerctl demo: " + problem +
                       "\nRun `ledgerctl demo --help` for its usage.\n");
  EXPECT_EQ(p.out, "");
}

TEST(Arguments, FormatIsTheFirstOfTheSpecsFormatsWhenNotGiven) {
  Parsed p = Parse({"--db", "d"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.args.format, Format::kJsonl);
}

TEST(Arguments, FormatTakesAnyOfTheSpecsFormats) {
  Parsed p = Parse({"--db", "d", "--format", "csv"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.args.format, Format::kCsv);
}

TEST(Arguments, AFormatTheCommandDoesNotPrintIsBadUsageNamingTheChoices) {
  ExpectUsageError(Parse({"--db", "d", "--format", "text"}),
                   "--format must be jsonl, json or csv, not 'text'");
}

TEST(Arguments, AnOptionTakesTheNextWordAsItsValue) {
  Parsed p = Parse({"--db", "/tmp/x", "--at", "2026-03-08T10:00:00Z"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.args.Get("db"), "/tmp/x");
  EXPECT_EQ(p.args.Get("at"), "2026-03-08T10:00:00Z");
  EXPECT_FALSE(p.args.Has("limit"));
  EXPECT_EQ(p.args.Get("limit", "10"), "10");
  EXPECT_TRUE(p.args.positionals.empty());
  EXPECT_EQ(p.out + p.err, "");
}

TEST(Arguments, AnOptionTakesTheValueAfterAnEqualsSign) {
  Parsed p = Parse({"--db=/tmp/x", "--at=", "--limit=a=b"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.args.Get("db"), "/tmp/x");
  EXPECT_TRUE(p.args.Has("at"));
  EXPECT_EQ(p.args.Get("at", "fallback"), "");
  EXPECT_EQ(p.args.Get("limit"), "a=b");
}

TEST(Arguments, AValueMayStartWithADash) {
  Parsed p = Parse({"--db", "--at"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.args.Get("db"), "--at");
  EXPECT_FALSE(p.args.Has("at"));
}

TEST(Arguments, AnOptionAtTheEndWithoutItsValueIsAUsageError) {
  ExpectUsageError(Parse({"--db"}), "--db needs a value");
}

TEST(Arguments, AnUnknownOptionIsAUsageError) {
  ExpectUsageError(Parse({"--db", "d", "--nope", "x"}),
                   "unknown option '--nope'");
  ExpectUsageError(Parse({"--db", "d", "--nope=x"}), "unknown option '--nope'");
  ExpectUsageError(Parse({"--db", "d", "-x"}), "unknown option '-x'");
}

TEST(Arguments, ARepeatedOptionKeepsItsLastValue) {
  Parsed p = Parse({"--db", "first", "--db=second", "--follow", "--follow"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.args.Get("db"), "second");
  EXPECT_TRUE(p.args.Has("follow"));
}

TEST(Arguments, AFlagTakesNoValue) {
  Parsed p = Parse({"--follow", "--db", "d"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_TRUE(p.args.Has("follow"));
  EXPECT_EQ(p.args.Get("db"), "d");
  ExpectUsageError(Parse({"--db", "d", "--follow=yes"}),
                   "--follow takes no value");
}

TEST(Arguments, AMissingRequiredOptionIsAUsageError) {
  ExpectUsageError(Parse({"--at", "t"}), "--db is required");
}

TEST(Arguments, PositionalsAreKeptInOrderUpToTheSpecsLimit) {
  Parsed p = Parse({"in.jsonl", "--db", "d"});
  ASSERT_TRUE(p.ok) << p.err;
  EXPECT_EQ(p.args.positionals, std::vector<std::string>{"in.jsonl"});
  ExpectUsageError(Parse({"a", "--db", "d", "b"}), "unexpected argument 'b'");
}

TEST(Arguments, ADashIsAPositionalAndADoubleDashEndsTheOptions) {
  Parsed stdin_word = Parse({"--db", "d", "-"});
  ASSERT_TRUE(stdin_word.ok) << stdin_word.err;
  EXPECT_EQ(stdin_word.args.positionals, std::vector<std::string>{"-"});
  Parsed after = Parse({"--db", "d", "--", "--follow"});
  ASSERT_TRUE(after.ok) << after.err;
  EXPECT_EQ(after.args.positionals, std::vector<std::string>{"--follow"});
  EXPECT_FALSE(after.args.Has("follow"));
}

TEST(Arguments, HelpPrintsTheUsageToStdoutAndExitsZeroBeforeAnyOtherCheck) {
  for (const char* help : {"--help", "-h"}) {
    // --db is required and missing, yet help wins.
    Parsed p = Parse({help});
    EXPECT_FALSE(p.ok) << help;
    EXPECT_EQ(p.exit_code, kExitOk) << help;
    EXPECT_TRUE(p.args.help) << help;
    EXPECT_EQ(p.out, kUsage) << help;
    EXPECT_EQ(p.err, "") << help;
  }
  // An unknown option before --help is still reported as one.
  ExpectUsageError(Parse({"--nope", "--help"}), "unknown option '--nope'");
}

TEST(Arguments, AWholeNumberOptionIsCheckedAgainstItsRange) {
  Parsed p = Parse({"--db", "d", "--limit", "7"});
  ASSERT_TRUE(p.ok) << p.err;
  int64_t value = 0;
  int exit_code = -1;
  EXPECT_TRUE(
      ParseIntOption(Spec(), p.args, "limit", 3, 1, 10, &value, &exit_code));
  EXPECT_EQ(value, 7);
  EXPECT_TRUE(
      ParseIntOption(Spec(), p.args, "at", 3, 1, 10, &value, &exit_code));
  EXPECT_EQ(value, 3) << "an option not given takes the fallback";
  for (const char* bad : {"0", "11", "7x", ""}) {
    Parsed q = Parse({"--db", "d", "--limit", bad});
    ASSERT_TRUE(q.ok) << q.err;
    ::testing::internal::CaptureStderr();
    EXPECT_FALSE(ParseIntOption(Spec(), q.args, "limit", 3, 1, 10, &value,
                                &exit_code))
        << bad;
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(exit_code, kExitUsage) << bad;
    EXPECT_EQ(err, "ledgerctl demo: --limit must be a whole number in 1..10, "
                   "not '" + std::string(bad) +
                       "'\nRun `ledgerctl demo --help` for its usage.\n");
  }
}

TEST(Arguments, ADateAloneIsItsMidnightUtc) {
  const absl::StatusOr<int64_t> date = ParseTimeArgument("2026-03-08");
  ASSERT_TRUE(date.ok()) << date.status();
  EXPECT_EQ(*date, *ParseTimeUs("2026-03-08T00:00:00Z"));
  EXPECT_EQ(*ParseTimeArgument("1970-01-01"), kMinTimeUs);
  EXPECT_EQ(*ParseTimeArgument("2024-02-29"), *ParseTimeUs("2024-02-29T00:00:00Z"));
}

TEST(Arguments, AnRfc3339TimeIsTakenAsTheLedgerTakesIt) {
  EXPECT_EQ(*ParseTimeArgument("2026-03-08T01:00:00+01:00"),
            *ParseTimeUs("2026-03-08T00:00:00Z"));
  EXPECT_EQ(*ParseTimeArgument("2026-03-08T10:00:00.5Z"),
            *ParseTimeUs("2026-03-08T10:00:00.500000Z"));
}

TEST(Arguments, ATimeThatIsNeitherIsRefusedNamingBothForms) {
  // Days that do not exist are refused, not rolled into the next month.
  for (const char* bad : {"2026-02-30", "2026-13-01", "2025-02-29", "0000-01-01"}) {
    const absl::StatusOr<int64_t> t = ParseTimeArgument(bad);
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr("is not a date")) << bad;
  }
  for (const char* bad : {"yesterday", "2026-03-08 10:00:00", "2026-3-8",
                          "2026-03-08T10:00:00", ""}) {
    const absl::StatusOr<int64_t> t = ParseTimeArgument(bad);
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(t.status().message()),
                HasSubstr("give an RFC 3339 time (2026-03-08T10:00:00Z) or a "
                          "date alone (2026-03-08, its midnight UTC)"))
        << bad;
  }
}

TEST(Arguments, ATimeOptionIsSetWhenGivenAndABadOneIsAUsageError) {
  Parsed p = Parse({"--db", "d", "--at", "2026-03-08"});
  ASSERT_TRUE(p.ok) << p.err;
  std::optional<int64_t> at;
  std::optional<int64_t> limit;
  int exit_code = -1;
  EXPECT_TRUE(ParseTimeOption(Spec(), p.args, "at", &at, &exit_code));
  EXPECT_EQ(at, *ParseTimeUs("2026-03-08T00:00:00Z"));
  EXPECT_TRUE(ParseTimeOption(Spec(), p.args, "limit", &limit, &exit_code));
  EXPECT_FALSE(limit.has_value()) << "an option not given is left unset";
  EXPECT_EQ(exit_code, -1);
  Parsed q = Parse({"--db", "d", "--at", "soon"});
  ASSERT_TRUE(q.ok) << q.err;
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(ParseTimeOption(Spec(), q.args, "at", &at, &exit_code));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(exit_code, kExitUsage);
  EXPECT_THAT(err, ::testing::StartsWith("ledgerctl demo: --at: 'soon' is not"));
}

}  // namespace
}  // namespace ledger::tools
