// An embedder's view of the audit library: only the installed public
// headers (ledger/*.h), no ledgerctl and no internal header. It produces a
// statement and an export in-process, imports the export with its head
// check, and follows the log while the same process commits.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/export.h"
#include "ledger/ledger.h"
#include "ledger/log_reader.h"
#include "ledger/statement.h"
#include "ledger/time_util.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;

std::string Buy(const std::string& key, const std::string& customer,
                const std::string& at, int credits) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":")", customer,
                      R"(","at":")", at, R"(","purchase":{"purchase_id":")",
                      key, R"(","credits":)", credits,
                      R"(,"amount_minor":1999,"currency":"USD"}})");
}

std::string Use(const std::string& key, const std::string& at, int credits) {
  return absl::StrCat(R"({"key":")", key, R"(","customer":"c1","at":")", at,
                      R"(","use":{"usage_id":")", key,
                      R"(","category":"AI_PROCESSING","credits":)", credits,
                      "}}");
}

class AuditApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            absl::StrCat("audit_api_test-", getpid(), "-",
                         ::testing::UnitTest::GetInstance()->random_seed(), "-",
                         ::testing::UnitTest::GetInstance()
                             ->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    dir_ = (root_ / "ledger").string();
    std::unique_ptr<Ledger> db = Ledger::Open(Options(), dir_).value();
    Submit(*db, Buy("k1", "c1", "2026-03-08T10:00:00Z", 1000));
    Submit(*db, Buy("k2", "c2", "2026-03-08T10:30:00Z", 50));
    Submit(*db, Use("k3", "2026-03-08T11:00:00Z", 60));
    Submit(*db, Use("k4", "2026-03-09T11:00:00Z", 40));
  }
  void TearDown() override { fs::remove_all(root_); }

  static void Submit(Ledger& db, const std::string& json) {
    absl::StatusOr<SubmitResult> r = db.SubmitJson(json);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->outcome, Outcome::kAccepted) << json << ": " << r->message;
  }

  static std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  fs::path root_;
  std::string dir_;
};

TEST_F(AuditApiTest, AStatementForAPeriodHasItsOpeningClosingAndRows) {
  StatementPeriod period;
  period.from_us = ParseTimeUs("2026-03-08T10:45:00Z").value();
  absl::StatusOr<Statement> s = ReadStatement(dir_, "c1", period);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->opening.in_lots, 1000);  // the purchase, before the period
  ASSERT_EQ(s->entries.size(), 2u);     // the two uses; c2's event is not c1's
  EXPECT_EQ(s->entries[0].change, -60);
  EXPECT_EQ(s->closing.in_lots, 900);
  const std::string text = RenderStatement(*s, StatementFormat::kText);
  EXPECT_EQ(text.rfind("Statement of customer c1\n", 0), 0u) << text;
  EXPECT_NE(text.find("Closing balance:  900 credits in lots"), std::string::npos)
      << text;
  // json: opening, one line per event, closing.
  EXPECT_EQ(Lines(RenderStatement(*s, StatementFormat::kJsonl)).size(), 4u);
  // csv: a header row, opening, the events, closing; CRLF line ends.
  const std::string csv = RenderStatement(*s, StatementFormat::kCsv);
  EXPECT_EQ(Lines(csv).size(), 5u);
  EXPECT_EQ(csv.substr(csv.size() - 2), "\r\n");
}

TEST_F(AuditApiTest, StatementOfAnOpenLedgerEqualsTheOneReadFromItsLog) {
  const absl::StatusOr<Statement> from_log = ReadStatement(dir_, "c1", {});
  ASSERT_TRUE(from_log.ok()) << from_log.status();
  std::unique_ptr<Ledger> db = Ledger::Open(Options(), dir_).value();
  const absl::StatusOr<Statement> open = BuildStatement(*db, "c1", {});
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_EQ(RenderStatement(*open, StatementFormat::kJsonl),
            RenderStatement(*from_log, StatementFormat::kJsonl));
  EXPECT_TRUE(absl::IsNotFound(BuildStatement(*db, "nobody", {}).status()));
  EXPECT_TRUE(absl::IsNotFound(ReadStatement(dir_, "nobody", {}).status()));
  EXPECT_FALSE(ReadStatement((root_ / "missing").string(), "c1", {}).ok());
  EXPECT_FALSE(fs::exists(root_ / "missing"));
}

TEST_F(AuditApiTest, ExportFromASeqGivesOneLineOrOneRowPerJournalLine) {
  const LogHead head = ReadLogHead(dir_).value();
  ASSERT_EQ(head.seq, 4u);
  std::string jsonl;
  std::vector<uint64_t> seqs;
  ASSERT_TRUE(ExportLog(dir_, ExportFormat::kJsonl, 2, head.seq,
                        [&](uint64_t seq, std::string_view text) {
                          seqs.push_back(seq);
                          jsonl.append(text);
                          return absl::OkStatus();
                        })
                  .ok());
  EXPECT_EQ(seqs, (std::vector<uint64_t>{2, 3, 4}));
  const std::vector<std::string> lines = Lines(jsonl);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind(R"({"seq": 2, "key": "k2", "customer": "c2")", 0), 0u)
      << lines[0];
  // Stops at through_seq although the log goes on.
  std::string csv = kExportCsvHeader;
  ASSERT_TRUE(ExportLog(dir_, ExportFormat::kCsv, 1, 3,
                        [&](uint64_t, std::string_view text) {
                          csv.append(text);
                          return absl::OkStatus();
                        })
                  .ok());
  EXPECT_EQ(csv.find(",k4,"), std::string::npos) << csv;
  // A purchase posts four journal lines (its cash and its credits), a use
  // two: the header, two purchases and a use.
  EXPECT_EQ(Lines(csv).size(), 1u + 4 + 4 + 2) << csv;
  // The writer's error ends the export with it.
  const absl::Status full = ExportLog(
      dir_, ExportFormat::kJsonl, 1, head.seq,
      [](uint64_t, std::string_view) { return absl::ResourceExhaustedError("disk full"); });
  EXPECT_TRUE(absl::IsResourceExhausted(full)) << full;
}

TEST_F(AuditApiTest, ImportOfAFullExportReproducesTheHeadAndRefusesAnEdit) {
  std::string jsonl;
  const LogHead head = ReadLogHead(dir_).value();
  ASSERT_TRUE(ExportLog(dir_, ExportFormat::kJsonl, 1, head.seq,
                        [&](uint64_t, std::string_view text) {
                          jsonl.append(text);
                          return absl::OkStatus();
                        })
                  .ok());
  std::istringstream in(jsonl);
  uint64_t progressed = 0;
  absl::StatusOr<ImportSummary> summary = ImportJsonl(
      (root_ / "copy").string(), in, [&](uint64_t n) { progressed = n; });
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->events, 4u);
  EXPECT_EQ(summary->head_seq, head.seq);
  EXPECT_EQ(summary->head_hash, head.hash);
  EXPECT_EQ(ReadLogHead((root_ / "copy").string()).value().hash, head.hash);
  EXPECT_EQ(progressed, 4u);

  std::string edited = jsonl;
  const size_t at = edited.find(R"("credits": 60)");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, 13, R"("credits": 61)");
  std::istringstream bad(edited);
  const absl::Status refused = ImportJsonl((root_ / "edited").string(), bad).status();
  EXPECT_TRUE(absl::IsInvalidArgument(refused)) << refused;
  EXPECT_NE(refused.message().find("line 3 (seq 3)"), std::string::npos) << refused;
}

TEST_F(AuditApiTest, FollowingTheLogDeliversWhatTheWriterCommitsInOrder) {
  std::unique_ptr<Ledger> db = Ledger::Open(Options(), dir_).value();
  std::atomic<uint64_t> last{0};
  std::vector<std::string> lines;  // written by the follower only
  FollowOptions options;
  options.follow = true;
  options.poll_interval = absl::Milliseconds(10);
  options.stop = [&] { return last.load() >= 6; };
  absl::Status followed;
  std::thread follower([&] {
    followed = FollowLog(dir_, 3, options, [&](const LogEvent& e) {
      lines.push_back(TailJsonLine(e));
      last = e.seq;
      return absl::OkStatus();
    });
  });
  Submit(*db, Use("k5", "2026-03-10T11:00:00Z", 1));
  Submit(*db, Use("k6", "2026-03-10T12:00:00Z", 1));
  follower.join();  // a hang here means a committed event never arrived
  ASSERT_TRUE(followed.ok()) << followed;
  ASSERT_EQ(lines.size(), 4u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].rfind(absl::StrCat(R"({"seq": )", i + 3, ","), 0), 0u)
        << lines[i];
  }
  // Without follow it stops at the head.
  std::vector<uint64_t> once;
  FollowOptions snapshot;
  ASSERT_TRUE(FollowLog(dir_, 5, snapshot, [&](const LogEvent& e) {
                return once.push_back(e.seq), absl::OkStatus();
              }).ok());
  EXPECT_EQ(once, (std::vector<uint64_t>{5, 6}));
}

}  // namespace
}  // namespace ledger
