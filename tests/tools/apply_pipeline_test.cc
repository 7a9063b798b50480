// ApplyPipeline (tools/ledgerctl/apply_pipeline.h), the commit stage of
// `ledgerctl apply`: the next group is handed while this one is still being
// written and synced, and put in the ledger behind it by the second
// committer, and yet results come out whole, in input order, each only
// once its group is durable; a group whose commit fails stops everything
// after it, and what was written before it is durable.
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/time_util.h"
#include "ledger/write_path/open_with_env.h"
#include "tests/reliability/fault_fs.h"
#include "tests/test_util.h"
#include "tools/ledgerctl/apply_pipeline.h"

namespace ledger::testing {
namespace {

constexpr int kLinesPerGroup = 50;

std::string Purchase(int c) {
  return absl::StrCat(R"({"key":"p-)", c, R"(","customer":"c)", c,
                      R"(","at":"2026-03-01T00:00:00Z","purchase":{"purchase_id":"p1",)",
                      R"("credits":100,"amount_minor":199,"currency":"USD"}})");
}

// A use of customer `c`'s credits: accepted only when c's purchase, in an
// earlier group, was committed first.
std::string Use(int c) {
  return absl::StrCat(R"({"key":"u-)", c, R"(","customer":"c)", c,
                      R"(","at":"2026-03-02T00:00:00Z","use":{"usage_id":"u1","category":"AI_PROCESSING",)",
                      R"("credits":60}})");
}

// Group g: lines g*kLinesPerGroup ..; even groups purchase, odd groups use
// what the group before purchased.
tools::ParsedGroup Group(int g) {
  tools::ParsedGroup group;
  for (int i = 0; i < kLinesPerGroup; ++i) {
    const int c = (g / 2) * kLinesPerGroup + i;
    group.answered.emplace_back();
    group.texts.push_back(g % 2 == 0 ? Purchase(c) : Use(c));
  }
  tools::ParseCommands(group);
  return group;
}

std::string Read(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, file)) > 0;) text.append(buf, n);
  return text;
}

// The key each result line names, in order.
std::vector<std::string> Keys(const std::string& output) {
  std::vector<std::string> keys;
  for (const std::string& line : SplitLines(output)) {
    const size_t at = line.find("\"key\": \"");
    keys.push_back(at == std::string::npos
                       ? "?"
                       : line.substr(at + 8, line.find('"', at + 8) - at - 8));
  }
  return keys;
}

std::vector<std::string> ExpectedKeys(int groups) {
  std::vector<std::string> keys;
  for (int g = 0; g < groups; ++g) {
    for (int i = 0; i < kLinesPerGroup; ++i) {
      const int c = (g / 2) * kLinesPerGroup + i;
      keys.push_back(absl::StrCat(g % 2 == 0 ? "p-" : "u-", c));
    }
  }
  return keys;
}

bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 2000 && !done(); ++i) absl::SleepFor(absl::Milliseconds(5));
  return done();
}

TEST(ApplyPipeline, HandsTheNextGroupWhileOneSyncsAndWritesResultsInInputOrder) {
  TempDir dir;
  FaultInjector faults;
  std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
  auto opened = OpenLedgerWithEnv(Options(), dir.path(), env.get());
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  constexpr int kGroups = 6;
  {
    tools::ApplyPipeline pipeline(**opened, out);
    // Group 0's sync is held: group 1 is handed (parsed, waiting) while
    // group 0 is still being committed, the second committer puts it in
    // the ledger behind group 0, and no result is out yet.
    faults.CloseSyncGate();
    ASSERT_TRUE(pipeline.Hand(Group(0)));
    ASSERT_TRUE(WaitFor([&] { return faults.SyncsAtGate() == 1; }));
    ASSERT_TRUE(pipeline.Hand(Group(1)));
    EXPECT_EQ(pipeline.groups_overlapped(), 1u);
    EXPECT_TRUE(WaitFor([&] { return pipeline.calls_overlapped() == 1; }))
        << "group 1 did not reach the ledger while group 0 was in it";
    // A third group waits for a committer: both are in the ledger.
    ASSERT_TRUE(pipeline.Hand(Group(2)));
    EXPECT_EQ(faults.SyncsAtGate(), 1);
    EXPECT_EQ(pipeline.results_written(), 0u);
    EXPECT_EQ(Read(out), "") << "a result left before its group was durable";
    faults.OpenSyncGate();
    for (int g = 3; g < kGroups; ++g) ASSERT_TRUE(pipeline.Hand(Group(g)));
    ASSERT_TRUE(pipeline.Drain());
    EXPECT_EQ(pipeline.groups_committed(), static_cast<size_t>(kGroups));
    EXPECT_EQ(pipeline.results_written(),
              static_cast<size_t>(kGroups * kLinesPerGroup));
  }
  const std::string output = Read(out);
  std::fclose(out);
  EXPECT_EQ(Keys(output), ExpectedKeys(kGroups));
  // Every use was judged after its purchase: input order held across the
  // overlap.
  for (const std::string& line : SplitLines(output)) {
    EXPECT_NE(line.find("\"ACCEPTED\""), std::string::npos) << line;
  }
  auto balance = (*opened)->GetBalance("c0", *ParseTimeUs("2026-03-03T00:00:00Z"));
  ASSERT_TRUE(balance.ok()) << balance.status();
  EXPECT_EQ(balance->available, 40);
}

// Lines apply answers itself (too long, refused at the edge) need no
// ledger: a group of only those is written as it is, in its turn.
TEST(ApplyPipeline, AGroupApplyAnsweredWholeIsWrittenInItsTurnWithoutTheLedger) {
  TempDir dir;
  auto opened = Ledger::Open(Options(), dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  tools::ParsedGroup answered;
  answered.answered.emplace_back(R"({"key": "edge-1", "status": "REJECTED"})");
  answered.answered.emplace_back(R"({"key": "edge-2", "status": "REJECTED"})");
  {
    tools::ApplyPipeline pipeline(**opened, out);
    ASSERT_TRUE(pipeline.Hand(Group(0)));
    ASSERT_TRUE(pipeline.Hand(std::move(answered)));
    ASSERT_TRUE(pipeline.Hand(Group(1)));
    ASSERT_TRUE(pipeline.Drain());
    EXPECT_EQ(pipeline.groups_committed(), 3u);
  }
  std::vector<std::string> expected = ExpectedKeys(1);
  expected.push_back("edge-1");
  expected.push_back("edge-2");
  const std::vector<std::string> second = ExpectedKeys(2);
  expected.insert(expected.end(), second.begin() + kLinesPerGroup, second.end());
  const std::string output = Read(out);
  std::fclose(out);
  EXPECT_EQ(Keys(output), expected);
  EXPECT_EQ((*opened)->LastSeq(), static_cast<uint64_t>(2 * kLinesPerGroup));
}

TEST(ApplyPipeline, AFailedGroupStopsEverythingAfterItAndWhatCameBeforeIsDurable) {
  TempDir dir;
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    FaultInjector faults;
    std::unique_ptr<rocksdb::Env> env = faults.NewEnv();
    auto opened = OpenLedgerWithEnv(Options(), dir.path(), env.get());
    ASSERT_TRUE(opened.ok()) << opened.status();
    tools::ApplyPipeline pipeline(**opened, out);
    // Groups 0 and 1 are written; group 2's WAL append fails, nothing of
    // it written. Groups 3 and 4 were handed behind it.
    faults.CloseSyncGate();
    ASSERT_TRUE(pipeline.Hand(Group(0)));
    ASSERT_TRUE(WaitFor([&] { return faults.SyncsAtGate() == 1; }));
    ASSERT_TRUE(pipeline.Hand(Group(1)));
    faults.Arm(FaultPoint::kWalAppend, /*skip=*/1);
    faults.OpenSyncGate();
    bool handed = true;
    for (int g = 2; g < 5 && handed; ++g) handed = pipeline.Hand(Group(g));
    EXPECT_FALSE(pipeline.Drain());
    EXPECT_FALSE(pipeline.Hand(Group(5))) << "a group was taken after a failure";
    EXPECT_EQ(pipeline.groups_committed(), 2u);
    EXPECT_EQ(pipeline.results_written(), static_cast<size_t>(2 * kLinesPerGroup));
    EXPECT_GE(faults.injected(), 1);
  }
  const std::string output = Read(out);
  std::fclose(out);
  EXPECT_EQ(Keys(output), ExpectedKeys(2));

  // Reopened on a healthy disk: the two groups written are there, nothing
  // after them.
  auto reopened = Ledger::Open(Options(), dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  const int64_t later = *ParseTimeUs("2026-03-03T00:00:00Z");
  for (int c = 0; c < kLinesPerGroup; ++c) {
    auto balance = (*reopened)->GetBalance(absl::StrCat("c", c), later);
    ASSERT_TRUE(balance.ok()) << "c" << c << ": " << balance.status();
    EXPECT_EQ(balance->available, 40) << "c" << c;
  }
  // Group 2 purchased for customers kLinesPerGroup.. and group 4 for the
  // next ones: neither was applied.
  for (int c = kLinesPerGroup; c < 3 * kLinesPerGroup; c += 7) {
    EXPECT_FALSE((*reopened)->GetBalance(absl::StrCat("c", c), later).ok())
        << "c" << c << " was applied after the failed group";
  }
}

}  // namespace
}  // namespace ledger::testing
