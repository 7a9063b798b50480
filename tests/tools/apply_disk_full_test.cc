// `ledgerctl apply` into a ledger on a tmpfs until the disk is full, for
// real (docs/operations.md, "What `ledgerctl apply` does"): apply stops
// with exit 1 and one line naming the full disk and what to do, never an abort; every
// result it printed is durable (a copy of the folder answers each one as
// a duplicate, and replays clean); once the tmpfs is grown, apply on the
// same folder and the same input goes on where it stopped.
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/reliability/tmpfs.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

constexpr size_t kTmpfsBytes = size_t{6} << 20;
constexpr size_t kGrownBytes = size_t{128} << 20;
// Room for a floor of 4 MiB: RocksDB reserves (fallocate) room for the WAL
// ahead of writing it, which counts as used while the ledger is open.
constexpr size_t kFloorTmpfsBytes = size_t{16} << 20;
// Enough to fill kTmpfsBytes several times over (a purchase takes about
// 1 KiB across the WAL records of the event, its key and its customer).
constexpr int kCommands = 40000;

std::string Purchase(int i) {
  return absl::StrCat(R"({"key":"k-)", i, R"(","customer":"c)", i % 500,
                      R"(","at":"2026-03-01T00:00:00Z","purchase":{"purchase_id":"p)",
                      i, R"(","credits":100,"amount_minor":199,"currency":"USD"}})");
}

std::string Input(int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i) absl::StrAppend(&text, Purchase(i), "\n");
  return text;
}

struct ApplyRun {
  int exit_code = 0;
  std::vector<std::string> results;
  std::string err;
};

ApplyRun Apply(const std::string& db, const std::string& input,
          const std::string& extra, const std::string& scratch) {
  const std::string err_path = scratch + "/apply.stderr";
  ApplyRun run;
  std::string out;
  run.exit_code = RunCommand(
      absl::StrCat(LEDGERCTL_PATH, " apply --db ", db, " ", extra, " ", input,
                   " 2>", err_path),
      &out);
  run.results = SplitLines(out);
  RunCommand("cat " + err_path, &run.err);
  return run;
}

int CountWith(const std::vector<std::string>& lines, const std::string& part) {
  int n = 0;
  for (const std::string& line : lines) n += absl::StrContains(line, part);
  return n;
}

TEST(ApplyDiskFull, StopsWithOneLineKeepsEveryResultAndGoesOnOnceGrown) {
  Tmpfs disk(kTmpfsBytes);
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  TempDir scratch;
  const std::string input = scratch.path() + "/commands.jsonl";
  WriteFile(input, Input(0, kCommands));
  const std::string db = disk.path() + "/db";

  // The floor off: RocksDB itself runs out of room, mid-WAL or mid-flush.
  ApplyRun full = Apply(db, input, "--min-free-disk 0", scratch.path());
  ASSERT_EQ(full.exit_code, 1) << "stderr: " << full.err;
  // One line about the disk, after the note that a new ledger was created.
  const std::vector<std::string> said = SplitLines(full.err);
  ASSERT_EQ(said.size(), 2u) << full.err;
  EXPECT_TRUE(absl::StrContains(said[0], "created a new ledger")) << full.err;
  EXPECT_TRUE(absl::StrContains(full.err, "is full")) << full.err;
  EXPECT_TRUE(absl::StrContains(full.err, "run apply again")) << full.err;
  const int acknowledged = static_cast<int>(full.results.size());
  ASSERT_GT(acknowledged, 0) << "nothing fit before the disk filled";
  ASSERT_LT(acknowledged, kCommands) << "the disk never filled";
  EXPECT_EQ(CountWith(full.results, "\"ACCEPTED\""), acknowledged);
  std::cout << "[ info ] " << acknowledged << " commands fit on "
            << (kTmpfsBytes >> 20) << " MiB; apply said: " << full.err;

  // Every printed result is durable: a copy answers each as a duplicate
  // and replays clean.
  const std::string copy = scratch.path() + "/copy";
  std::filesystem::copy(db, copy, std::filesystem::copy_options::recursive);
  const std::string acked_input = scratch.path() + "/acknowledged.jsonl";
  WriteFile(acked_input, Input(0, acknowledged));
  ApplyRun again = Apply(copy, acked_input, "--min-free-disk 0", scratch.path());
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(CountWith(again.results, "\"duplicate\": true"), acknowledged);
  for (int i = 0; i < acknowledged && i < static_cast<int>(again.results.size());
       ++i) {
    EXPECT_EQ(again.results[i], absl::StrCat(
        full.results[i].substr(0, full.results[i].find(", \"available\"")),
        ", \"duplicate\": true}"))
        << "line " << i + 1;
  }
  std::string out;
  EXPECT_EQ(RunLedgerctl("replay --db " + copy, &out, Stderr::kIntoOut), 0)
      << out;

  // Still full (RocksDB had preallocated WAL space it gives back on close,
  // so the same folder may take a few more first): a run stops the same
  // way, never with an abort.
  ApplyRun still = Apply(db, input, "--min-free-disk 0", scratch.path());
  EXPECT_EQ(still.exit_code, 1) << still.err;
  EXPECT_TRUE(absl::StrContains(still.err, "is full")) << still.err;

  // Grown: the same input on the same folder goes on where it stopped.
  ASSERT_TRUE(disk.Resize(kGrownBytes));
  ApplyRun grown = Apply(db, input, "--min-free-disk 0", scratch.path());
  ASSERT_EQ(grown.exit_code, 0) << grown.err;
  ASSERT_EQ(grown.results.size(), static_cast<size_t>(kCommands));
  const int duplicates = CountWith(grown.results, "\"duplicate\": true");
  EXPECT_GE(duplicates, acknowledged);
  EXPECT_EQ(CountWith(grown.results, "\"ACCEPTED\""), kCommands);
  EXPECT_EQ(RunLedgerctl("replay --db " + db, &out, Stderr::kIntoOut), 0)
      << out;
}

TEST(ApplyDiskFull, UnderTheFloorStopsBeforeTheDiskIsFull) {
  Tmpfs disk(kFloorTmpfsBytes);
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  TempDir scratch;
  const std::string input = scratch.path() + "/commands.jsonl";
  WriteFile(input, Input(0, kCommands));
  const std::string db = disk.path() + "/db";

  ApplyRun run = Apply(db, input, "--min-free-disk 4MiB", scratch.path());
  ASSERT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(absl::StrContains(run.err, "under the floor of 4.0 MiB"))
      << run.err;
  EXPECT_GT(run.results.size(), 0u);
  std::string out;
  EXPECT_EQ(RunLedgerctl("replay --db " + db, &out, Stderr::kIntoOut), 0)
      << out;
  // Room was kept: without the floor the same folder takes more.
  ApplyRun more = Apply(db, input, "--min-free-disk 0", scratch.path());
  EXPECT_GT(CountWith(more.results, "\"ACCEPTED\"") -
                CountWith(more.results, "\"duplicate\": true"),
            0)
      << more.err;
}

TEST(ApplyDiskFull, ABadFloorIsBadUsage) {
  std::string out;
  EXPECT_EQ(RunLedgerctl("apply --db /nonexistent/x --min-free-disk lots",
                         &out, Stderr::kIntoOut),
            2)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "--min-free-disk")) << out;
}

}  // namespace
}  // namespace ledger::testing
