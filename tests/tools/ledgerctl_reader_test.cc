// ledgerctl as an operator meets it (docs/ledgerctl.md): every reading
// command beside a live writer, on a missing or mistyped DIR (never
// created), --format json parsed for every command that has it, the
// version, "did you mean", the usage and busy exit statuses, and errors
// without library status names. All run as a separate process
// (LEDGERCTL_PATH); the writer is this test process, holding the ledger's
// RocksDB lock through an open Ledger.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "tools/ledgerctl/demo_folder.h"

namespace ledger::testing {
namespace {

using google::protobuf::Struct;
using ::testing::HasSubstr;
using ::testing::Not;

// c1 buys 1000 credits (the first of the four events of test_util.h).
constexpr const char* kPurchase = kFourEventCommands[0];
constexpr char kPolicy[] =
    R"({"key":"k2","at":"2026-03-08T11:00:00Z","set_policy":{"version":"2026-04","refund_window_hours":72,"inquiry_window_hours":24}})";
constexpr char kSecondCustomer[] =
    R"({"key":"k3","customer":"c2","at":"2026-03-08T12:00:00Z","purchase":{"purchase_id":"p2","credits":300,"amount_minor":500,"currency":"EUR"}})";
constexpr char kLaterUse[] =
    R"({"key":"k4","customer":"c1","at":"2026-03-08T13:00:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING","credits":10}})";

// A failure line: one line, "ledgerctl COMMAND: ...", and no status code
// name of the library.
void ExpectOneCleanErrorLine(const LedgerctlRun& run, const std::string& command) {
  EXPECT_EQ(SplitLines(run.err).size(), 1u) << run.err;
  EXPECT_THAT(run.err, ::testing::StartsWith("ledgerctl " + command + ": "));
  for (const char* name : {"NOT_FOUND", "UNAVAILABLE", "FAILED_PRECONDITION",
                           "ABORTED", "DATA_LOSS", "INVALID_ARGUMENT"}) {
    EXPECT_THAT(run.err, Not(HasSubstr(name))) << run.err;
  }
}

// Each reading command, with the arguments it needs besides --db.
struct Reader {
  std::string command;
  std::string args;
};

std::vector<Reader> Readers() {
  return {
      {"balance", "--customer c1"},
      {"replay", ""},
      {"digest", ""},
      {"statement", "--customer c1"},
      {"verify", ""},
      {"tail", ""},
      {"export", "--format jsonl"},
      {"trial-balance", ""},
      {"liability", "--from 2026-03-01T00:00:00Z --to 2026-04-01T00:00:00Z"},
      {"customers", ""},
      {"policy", ""},
  };
}

std::string Words(const Reader& r, const std::string& db,
                  const std::string& extra = "") {
  return absl::StrCat(r.command, " --db ", db, " ", r.args, " ", extra);
}

// The platform keeps the ledger open; support staff and auditors query it.
class LiveWriter : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(db_.Code(kPurchase), "ACCEPTED");
    ASSERT_EQ(db_.Code(kPolicy), "ACCEPTED");
    ASSERT_EQ(db_.Code(kSecondCustomer), "ACCEPTED");
  }
  TestLedger db_;
};

TEST_F(LiveWriter, EveryReaderRunsBesideItAndTheWriterGoesOn) {
  for (const Reader& r : Readers()) {
    const LedgerctlRun run = RunLedgerctlApart(Words(r, db_.dir()));
    EXPECT_EQ(run.code, 0) << r.command << ": " << run.err;
  }
  // Nothing the readers did stopped the writer.
  EXPECT_EQ(db_.Code(kLaterUse), "ACCEPTED");
}

TEST_F(LiveWriter, BalanceReadsWhatTheWriterCommitted) {
  LedgerctlRun run = RunLedgerctlApart("balance --db " + db_.dir() +
                      " --customer c1 --at 2026-03-08T12:30:00Z");
  ASSERT_EQ(run.code, 0) << run.err;
  Struct balance = ParseJsonObject(run.out);
  EXPECT_EQ(balance.fields().at("available").number_value(), 1000);
  // A second run sees what was committed since.
  ASSERT_EQ(db_.Code(kLaterUse), "ACCEPTED");
  run = RunLedgerctlApart("balance --db " + db_.dir() +
                  " --customer c1 --at 2026-03-08T13:30:00Z");
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(ParseJsonObject(run.out).fields().at("available").number_value(),
            990);
}

TEST_F(LiveWriter, CustomersListsEveryCustomerSortedWithAvailableCredits) {
  LedgerctlRun run = RunLedgerctlApart("customers --db " + db_.dir() +
                      " --at 2026-03-08T12:30:00Z --format json");
  ASSERT_EQ(run.code, 0) << run.err;
  Struct doc = ParseJsonObject(run.out);
  const auto& list = doc.fields().at("customers").list_value().values();
  ASSERT_EQ(list.size(), 2);
  EXPECT_EQ(list[0].struct_value().fields().at("customer").string_value(), "c1");
  EXPECT_EQ(list[0].struct_value().fields().at("status").string_value(), "ACTIVE");
  EXPECT_EQ(list[0].struct_value().fields().at("available").number_value(), 1000);
  EXPECT_EQ(list[1].struct_value().fields().at("customer").string_value(), "c2");
  EXPECT_EQ(list[1].struct_value().fields().at("available").number_value(), 300);
  // --status filters.
  run = RunLedgerctlApart("customers --db " + db_.dir() + " --status SUSPENDED --format json");
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(ParseJsonObject(run.out).fields().at("customers").list_value().values_size(), 0);
  run = RunLedgerctlApart("customers --db " + db_.dir());
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("c2        ACTIVE      300"));
}

TEST_F(LiveWriter, PolicyShowsTheDefaultAndEachVersionAndWhichIsInForce) {
  LedgerctlRun run = RunLedgerctlApart("policy --db " + db_.dir() +
                      " --at 2026-03-08T10:30:00Z --format json");
  ASSERT_EQ(run.code, 0) << run.err;
  Struct before = ParseJsonObject(run.out);
  const auto& history = before.fields().at("history").list_value().values();
  ASSERT_EQ(history.size(), 2);
  EXPECT_EQ(history[0].struct_value().fields().at("version").string_value(), "2026-03-07");
  EXPECT_EQ(history[0].struct_value().fields().at("seq").number_value(), 0);
  EXPECT_EQ(history[1].struct_value().fields().at("version").string_value(), "2026-04");
  EXPECT_EQ(history[1].struct_value().fields().at("refund_window_hours").number_value(), 72);
  EXPECT_EQ(history[1].struct_value().fields().at("inquiry_window_hours").number_value(), 24);
  EXPECT_EQ(history[1].struct_value().fields().at("effective_from").string_value(),
            "2026-03-08T11:00:00Z");
  EXPECT_EQ(before.fields().at("in_force").struct_value().fields().at("version").string_value(),
            "2026-03-07");
  run = RunLedgerctlApart("policy --db " + db_.dir() + " --format json");  // now
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(ParseJsonObject(run.out).fields().at("in_force").struct_value()
                .fields().at("version").string_value(),
            "2026-04");
  run = RunLedgerctlApart("policy --db " + db_.dir());
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("(refund window 72h, inquiry window 24h, clock skew 0s)"));
}

TEST_F(LiveWriter, DigestAndReplayReadTheCommittedLog) {
  LedgerctlRun run = RunLedgerctlApart("digest --db " + db_.dir() + " --format json");
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(ParseJsonObject(run.out).fields().at("seq").number_value(), 3);
  run = RunLedgerctlApart("replay --db " + db_.dir() + " --format json");
  ASSERT_EQ(run.code, 0) << run.err;
  Struct replay = ParseJsonObject(run.out);
  EXPECT_TRUE(replay.fields().at("ok").bool_value());
  EXPECT_EQ(replay.fields().at("events").number_value(), 3);
}

TEST_F(LiveWriter, AWriterBesideItIsBusyWithItsOwnExitStatus) {
  // import would replace the folder; demo too, when it is a demo's.
  TempDir other;
  const std::string empty_export = other.path() + "/empty.jsonl";
  WriteFile(empty_export, "");
  TestLedger empty;
  LedgerctlRun run = RunLedgerctlApart("import --db " + empty.dir() + " " + empty_export);
  EXPECT_EQ(run.code, 3) << run.err;
  ExpectOneCleanErrorLine(run, "import");
  EXPECT_THAT(run.err, HasSubstr("open for writing"));

  WriteFile(db_.dir() + "/" + tools::kDemoMarkerName, tools::kDemoMarkerText);
  run = RunLedgerctlApart("demo --db " + db_.dir() + " --customers 2");
  EXPECT_EQ(run.code, 3) << run.err;
  ExpectOneCleanErrorLine(run, "demo");
  EXPECT_EQ(db_.Code(kLaterUse), "ACCEPTED");  // the writer's ledger is whole

  // apply cannot open a ledger another process writes: busy too.
  const std::string input = other.path() + "/one.jsonl";
  WriteFile(input, "{}\n");
  run = RunLedgerctlApart("apply --db " + db_.dir() + " " + input);
  EXPECT_EQ(run.code, 3) << run.err;
  EXPECT_EQ(run.out, "");
  ExpectOneCleanErrorLine(run, "apply");
}

TEST(LedgerctlReaders, AMissingOrMistypedDirFailsClearlyAndIsNeverCreated) {
  TempDir dir;
  const std::string missing = dir.path() + "/ledgre";  // a typo
  std::filesystem::create_directories(dir.path() + "/notes");
  WriteFile(dir.path() + "/notes/todo.txt", "not a ledger");
  for (const Reader& r : Readers()) {
    LedgerctlRun run = RunLedgerctlApart(Words(r, missing));
    EXPECT_EQ(run.code, 1) << r.command;
    EXPECT_EQ(run.out, "") << r.command;
    ExpectOneCleanErrorLine(run, r.command);
    EXPECT_THAT(run.err, HasSubstr("no ledger in")) << r.command;
    EXPECT_FALSE(std::filesystem::exists(missing)) << r.command;

    run = RunLedgerctlApart(Words(r, dir.path() + "/notes"));
    EXPECT_EQ(run.code, 1) << r.command;
    ExpectOneCleanErrorLine(run, r.command);
    size_t entries = 0;
    for ([[maybe_unused]] const auto& e :
         std::filesystem::directory_iterator(dir.path() + "/notes")) {
      ++entries;
    }
    EXPECT_EQ(entries, 1u) << r.command << " wrote into a folder that is not a ledger";
  }
}

// Every command that has --format json prints one JSON document.
TEST(LedgerctlFormats, JsonIsOneDocumentInEveryCommandThatHasIt) {
  TempDir dir;
  const std::string db = dir.path() + "/db";
  const std::string input = dir.path() + "/in.jsonl";
  WriteFile(input, absl::StrCat(kPurchase, "\n", kPolicy, "\n", kSecondCustomer, "\n"));
  std::string out;
  ASSERT_EQ(RunLedgerctl("apply --db " + db + " " + input, &out), 0);
  ASSERT_EQ(RunLedgerctl("export --db " + db + " --format jsonl > " + dir.path() +
                             "/export.jsonl",
                         &out),
            0);
  const std::vector<std::pair<std::string, std::string>> commands = {
      {"balance", "--db " + db + " --customer c1"},
      {"customers", "--db " + db},
      {"policy", "--db " + db},
      {"replay", "--db " + db},
      {"verify", "--db " + db},
      {"digest", "--db " + db},
      {"statement", "--db " + db + " --customer c1"},
      {"trial-balance", "--db " + db},
      {"liability", "--db " + db +
                        " --from 2026-03-01T00:00:00Z --to 2026-04-01T00:00:00Z"},
      {"export", "--db " + db},
      {"import", "--db " + dir.path() + "/copy " + dir.path() + "/export.jsonl"},
      {"demo", "--db " + dir.path() + "/demo --customers 5 --threads 1"},
  };
  for (const auto& [command, args] : commands) {
    const LedgerctlRun run = RunLedgerctlApart(command + " " + args + " --format json");
    ASSERT_EQ(run.code, 0) << command << ": " << run.err;
    ASSERT_EQ(SplitLines(run.out).size(), 1u) << command << ": " << run.out;
    Struct doc = ParseJsonObject(run.out);
    EXPECT_GT(doc.fields_size(), 0) << command << ": " << run.out;
  }
  // The statement's json holds the objects its jsonl prints, one a line.
  const LedgerctlRun jsonl = RunLedgerctlApart("statement --db " + db + " --customer c1 --format jsonl");
  ASSERT_EQ(jsonl.code, 0) << jsonl.err;
  const std::vector<std::string> lines = SplitLines(jsonl.out);
  ASSERT_EQ(lines.size(), 3u) << jsonl.out;  // opening, one event, closing
  for (const std::string& line : lines) EXPECT_GT(ParseJsonObject(line).fields_size(), 0);
  const LedgerctlRun json = RunLedgerctlApart("statement --db " + db + " --customer c1 --format json");
  Struct doc = ParseJsonObject(json.out);
  EXPECT_EQ(doc.fields().at("events").list_value().values_size(), 1);
  EXPECT_EQ(doc.fields().at("opening").struct_value().fields().at("type").string_value(),
            "opening");
}

TEST(LedgerctlFormats, TailAndExportPrintTheSameEventTheSameWay) {
  TempDir dir;
  const std::string db = dir.path() + "/db";
  const std::string input = dir.path() + "/in.jsonl";
  WriteFile(input, absl::StrCat(kPurchase, "\n", kPolicy, "\n", kSecondCustomer, "\n"));
  std::string out;
  ASSERT_EQ(RunLedgerctl("apply --db " + db + " " + input, &out), 0);
  for (const char* format : {"jsonl", "csv"}) {
    std::string exported, tailed;
    ASSERT_EQ(RunLedgerctl(absl::StrCat("export --db ", db, " --format ", format),
                           &exported),
              0);
    ASSERT_EQ(RunLedgerctl(absl::StrCat("tail --db ", db, " --format ", format),
                           &tailed),
              0);
    EXPECT_EQ(tailed, exported) << format;
    EXPECT_FALSE(tailed.empty());
  }
}

TEST(LedgerctlCli, VersionPrintsTheProjectVersion) {
  std::ifstream cmake(std::string(SOURCE_DIR) + "/CMakeLists.txt");
  std::stringstream text;
  text << cmake.rdbuf();
  std::smatch match;
  const std::string body = text.str();
  ASSERT_TRUE(std::regex_search(body, match,
                                std::regex(R"(project\(\w+ VERSION ([0-9.]+))")));
  for (const char* flag : {"--version", "-V"}) {
    const LedgerctlRun run = RunLedgerctlApart(flag);
    EXPECT_EQ(run.code, 0);
    EXPECT_EQ(run.out, "ledgerctl " + match[1].str() + "\n") << flag;
  }
}

TEST(LedgerctlCli, AMistypedCommandGetsADidYouMean) {
  LedgerctlRun run = RunLedgerctlApart("balanse --db x");
  EXPECT_EQ(run.code, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, HasSubstr("unknown command 'balanse'; did you mean 'balance'?"));
  run = RunLedgerctlApart("custmers");
  EXPECT_THAT(run.err, HasSubstr("did you mean 'customers'?"));
  run = RunLedgerctlApart("frobnicate");
  EXPECT_EQ(run.code, 2);
  EXPECT_THAT(run.err, Not(HasSubstr("did you mean")));
  EXPECT_THAT(run.err, HasSubstr("ledgerctl --help"));
}

TEST(LedgerctlCli, AUsageErrorIsOneLineAndAHintToHelpWithExitTwo) {
  for (const char* args : {"balance --db d", "replay --db d --format xml",
                           "customers --db d --status GONE",
                           "export --db d --format yaml", "tail --db d --format json"}) {
    const LedgerctlRun run = RunLedgerctlApart(args);
    EXPECT_EQ(run.code, 2) << args;
    EXPECT_EQ(run.out, "") << args;
    const std::vector<std::string> lines = SplitLines(run.err);
    ASSERT_EQ(lines.size(), 2u) << args << ": " << run.err;
    EXPECT_THAT(lines[1], HasSubstr("--help")) << args;
    EXPECT_THAT(run.err, Not(HasSubstr("usage:"))) << args;
  }
  EXPECT_FALSE(std::filesystem::exists("d"));
}

TEST(LedgerctlCli, HelpListsEveryExitStatus) {
  const LedgerctlRun run = RunLedgerctlApart("--help");
  ASSERT_EQ(run.code, 0);
  for (const char* line : {"  0  done", "  1  failed", "  2  bad usage", "  3  busy"}) {
    EXPECT_THAT(run.out, HasSubstr(line));
  }
  EXPECT_THAT(run.out, HasSubstr("customers"));
  EXPECT_THAT(run.out, HasSubstr("policy"));
}

}  // namespace
}  // namespace ledger::testing
