// `ledgerctl demo` run as a separate process (LEDGERCTL_PATH): its outcomes
// are a function of --seed alone, and it never deletes a folder that is not
// a ledger it made (tools/ledgerctl/demo_folder.h).
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

namespace fs = std::filesystem;

// The report's lines that must depend on the seed alone: from "commands
// submitted" to the cash per currency, up to "throughput". Left out: the header (it names the
// threads), the folder, throughput (batches and time), and the replay and
// verify lines (time, and a digest over sequence numbers, which depend on
// scheduling).
std::vector<std::string> SeedLines(const std::string& report) {
  std::vector<std::string> lines;
  bool in = false;
  for (const std::string& line : SplitLines(report)) {
    if (line.starts_with("commands submitted:")) in = true;
    if (line.starts_with("throughput:")) break;
    if (in) lines.push_back(line);
  }
  return lines;
}

std::string Demo(const std::string& db, int customers, int threads,
                 int seed) {
  std::string out;
  EXPECT_EQ(RunLedgerctl("demo --db " + db + " --customers " +
                             std::to_string(customers) + " --threads " +
                             std::to_string(threads) + " --seed " +
                             std::to_string(seed),
                         &out, Stderr::kIntoOut),
            0)
      << out;
  return out;
}

// Every file under `dir` with its bytes, and every folder (as ""/).
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = fs::relative(e.path(), dir).string();
    if (e.is_directory()) {
      files[name + "/"] = "";
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    files[name] = bytes.str();
  }
  return files;
}

// Rewrites the format marker of the ledger in `dir` (closed), as a build
// of another stored layout would have left it.
void SetFormatMarker(const std::string& dir, const std::string& marker) {
  std::vector<std::string> families;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &families).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& f : families) {
    descriptors.emplace_back(f, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, descriptors, &handles, &db).ok());
  rocksdb::WriteOptions sync;
  sync.sync = true;
  EXPECT_TRUE(db->Put(sync, "format", marker).ok());
  for (rocksdb::ColumnFamilyHandle* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

// Runs the demo on `db`, which it must refuse with exit status 1, a message
// on stderr, nothing on stdout and the folder exactly as it was.
void ExpectRefusedAndUntouched(const std::string& db) {
  const std::map<std::string, std::string> before = Snapshot(db);
  std::string out;
  EXPECT_EQ(RunLedgerctl("demo --db " + db + " --customers 3", &out), 1);
  EXPECT_EQ(out, "");
  std::string both;
  RunLedgerctl("demo --db " + db + " --customers 3", &both, Stderr::kIntoOut);
  EXPECT_NE(both.find("refusing to use " + db), std::string::npos) << both;
  EXPECT_EQ(Snapshot(db), before) << db << " was changed";
}

TEST(DemoTest, OutcomesDependOnTheSeedAloneNotOnTheNumberOfThreads) {
  TempDir dir;
  const std::vector<std::string> one =
      SeedLines(Demo(dir.path() + "/one", 60, 1, 11));
  const std::vector<std::string> four =
      SeedLines(Demo(dir.path() + "/four", 60, 4, 11));
  ASSERT_GT(one.size(), 10u) << "the report's lines were not found";
  EXPECT_EQ(one, four);
}

// A first-contact trap: a hint naming a `ledgerctl` that is not on PATH.
// Each suggested command is run as printed, from the folder the demo ran in.
TEST(DemoTest, TheSuggestedNextCommandsRunAsPrinted) {
  TempDir dir;
  const std::string report = Demo(dir.path() + "/db", 5, 1, 1);
  std::vector<std::string> commands;
  bool in = false;
  for (const std::string& line : SplitLines(report)) {
    if (in && line.starts_with("  ")) commands.push_back(line.substr(2));
    if (line == "next, from this folder:") in = true;
  }
  ASSERT_EQ(commands.size(), 3u) << report;
  for (const std::string& command : commands) {
    std::string out;
    EXPECT_EQ(RunCommand(command + " 2>&1", &out), 0) << command << "\n" << out;
    EXPECT_NE(out, "") << command;
  }
  // The liability hint's period holds every event of the day, so it shows
  // the figures of the demo's report: "N of N events dated in the period".
  std::string out;
  ASSERT_EQ(RunCommand(commands[2], &out), 0) << out;
  const size_t of = out.find(" of ");
  const size_t colon = out.rfind(": ", of);
  ASSERT_TRUE(of != std::string::npos && colon != std::string::npos) << out;
  const std::string in_period = out.substr(colon + 2, of - colon - 2);
  EXPECT_EQ(out.substr(of + 4, in_period.size() + 1), in_period + " ") << out;
}

TEST(DemoTest, DifferentSeedsGiveDifferentOutcomes) {
  TempDir dir;
  const std::vector<std::string> a =
      SeedLines(Demo(dir.path() + "/a", 60, 2, 11));
  const std::vector<std::string> b =
      SeedLines(Demo(dir.path() + "/b", 60, 2, 12));
  ASSERT_GT(a.size(), 10u) << "the report's lines were not found";
  EXPECT_NE(a, b);
}

TEST(DemoTest, RefusesAPlainRocksDbFolderAndLeavesItAsItWas) {
  TempDir dir;
  const std::string db = dir.path() + "/rocks";
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, db, &raw).ok());
  std::unique_ptr<rocksdb::DB> rocks(raw);
  ASSERT_TRUE(rocks->Put(rocksdb::WriteOptions(), "k", "v").ok());
  ASSERT_TRUE(rocks->Close().ok());
  rocks.reset();
  ExpectRefusedAndUntouched(db);
}

TEST(DemoTest, RefusesAFolderWithAnUnrelatedFileAndLeavesItAsItWas) {
  TempDir dir;
  WriteFile(dir.path() + "/precious.txt", "keep me");
  ExpectRefusedAndUntouched(dir.path());
}

TEST(DemoTest, RefusesALedgerThatApplyMadeAndLeavesItAsItWas) {
  TempDir dir;
  const std::string input = dir.path() + "/in.jsonl";
  WriteFile(input,
            R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z",)"
            R"("purchase":{"purchase_id":"p1","credits":10,)"
            R"("amount_minor":100,"currency":"USD"}})");
  std::string out;
  ASSERT_EQ(RunLedgerctl("apply --db " + dir.path() + "/db " + input, &out), 0);
  ExpectRefusedAndUntouched(dir.path() + "/db");
}

TEST(DemoTest, RefusesTheDemoMarkerCopiedIntoAFolderThatIsNoLedger) {
  TempDir dir;
  const std::string first = dir.path() + "/first";
  Demo(first, 3, 1, 1);
  const std::string copy = dir.path() + "/copy";
  fs::create_directories(copy);
  fs::copy_file(first + "/LEDGERCTL_DEMO", copy + "/LEDGERCTL_DEMO");
  WriteFile(copy + "/notes.txt", "mine");
  ExpectRefusedAndUntouched(copy);
}

TEST(DemoTest, ReplacesTheLedgerOfAnEarlierDemo) {
  TempDir dir;
  const std::string db = dir.path() + "/demo";
  Demo(db, 30, 2, 1);
  WriteFile(db + "/left-over", "");  // gone once the folder is replaced
  const std::string again = Demo(db, 5, 1, 2);
  EXPECT_NE(again.find("replay:                  OK"), std::string::npos)
      << again;
  // The same as a run in a fresh folder: nothing of the first day is left.
  EXPECT_EQ(SeedLines(again), SeedLines(Demo(dir.path() + "/fresh", 5, 1, 2)));
  EXPECT_FALSE(fs::exists(db + "/left-over"));
  EXPECT_TRUE(fs::exists(db + "/LEDGERCTL_DEMO"));
}

// After an upgrade of the stored layout (docs/storage.md, "Format
// versions"), `make demo` on the demo folder an older build made replaces
// it, as it replaces any earlier demo; a ledger of the older layout that
// the demo did not make is still refused.
TEST(DemoTest, ReplacesTheLedgerOfADemoOfAnOlderBuild) {
  TempDir dir;
  const std::string db = dir.path() + "/demo";
  Demo(db, 5, 1, 1);
  SetFormatMarker(db, "credit-ledger/1");
  std::string out;
  ASSERT_EQ(RunLedgerctl("replay --db " + db, &out, Stderr::kIntoOut), 1) << out;
  EXPECT_NE(out.find("previous format 'credit-ledger/1'"), std::string::npos) << out;
  const std::string again = Demo(db, 5, 1, 2);
  EXPECT_NE(again.find("replay:                  OK"), std::string::npos) << again;
  EXPECT_EQ(RunLedgerctl("replay --db " + db, &out), 0) << out;

  const std::string applied = dir.path() + "/applied";
  WriteFile(dir.path() + "/one.jsonl",
            R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z",)"
            R"("purchase":{"purchase_id":"p1","credits":10,"amount_minor":10,"currency":"USD"}})"
            "\n");
  ASSERT_EQ(RunLedgerctl("apply --db " + applied + " " + dir.path() + "/one.jsonl", &out), 0);
  SetFormatMarker(applied, "credit-ledger/1");
  ExpectRefusedAndUntouched(applied);
}

}  // namespace
}  // namespace ledger::testing
