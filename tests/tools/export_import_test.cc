// `ledgerctl export` and `ledgerctl import`, run as a user runs them: a
// ledger built from the scenario files through `ledgerctl apply`, exported,
// imported into a fresh folder, must come back identical (head, replay,
// balances, re-export); and an import must refuse, naming the seq, any
// export that is not exactly what export wrote, leaving the target alone.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ledger/base/command_fingerprint.h"
#include "ledger/base/sha256.h"
#include "ledger/export.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/time_util.h"
#include "tests/test_util.h"
#include "tests/tools/scenario_ledger.h"

namespace ledger::testing {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Struct;

const std::string kTool = LEDGERCTL_PATH;

// Runs ledgerctl; stdout into *out, stderr into *err when given.
int Ledgerctl(const std::string& args, std::string* out,
              std::string* err = nullptr) {
  static int calls = 0;
  const std::string err_file =
      (fs::temp_directory_path() / absl::StrCat("ledgerctl-err-", getpid(), "-",
                                                ++calls))
          .string();
  const int status = RunCommand(kTool + " " + args + " 2>" + err_file, out);
  if (err != nullptr) {
    std::ifstream in(err_file);
    *err = std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::remove(err_file);
  return status;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) absl::StrAppend(&out, line, "\n");
  return out;
}

// One ledger from every scenario file (scenario_ledger.h), its jsonl export, and the import of
// that export, shared by the tests (building them takes a few seconds).
class ExportImportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    source_ = dir_->path() + "/source";
    imported_ = dir_->path() + "/imported";
    export_file_ = dir_->path() + "/export.jsonl";
    ASSERT_TRUE(BuildScenarioLedger(source_, dir_->path() + "/commands.jsonl"));
    ASSERT_EQ(Ledgerctl("export --db " + source_ + " --format jsonl", &export_),
              0);
    WriteFile(export_file_, export_);
    std::string err;
    ASSERT_EQ(Ledgerctl("import --db " + imported_ + " " + export_file_,
                        &import_out_, &err),
              0)
        << err;
  }
  static void TearDownTestSuite() { delete dir_; }

  // The export with line `index` (0-based) replaced by `line`, written to a
  // file; returns its path.
  static std::string ExportWith(size_t index, const std::string& line) {
    std::vector<std::string> lines = SplitLines(export_);
    lines.at(index) = line;
    const std::string path = dir_->path() + "/edited.jsonl";
    WriteFile(path, JoinLines(lines));
    return path;
  }

  static TempDir* dir_;
  static std::string source_, imported_, export_file_, export_, import_out_;
};

TempDir* ExportImportTest::dir_ = nullptr;
std::string ExportImportTest::source_, ExportImportTest::imported_,
    ExportImportTest::export_file_, ExportImportTest::export_,
    ExportImportTest::import_out_;

TEST_F(ExportImportTest, ImportOfAnExportReproducesTheHeadHash) {
  const std::vector<std::string> lines = SplitLines(export_);
  ASSERT_GT(lines.size(), 200u);
  const Struct last = ParseJsonObject(lines.back());
  const auto seq = static_cast<uint64_t>(last.fields().at("seq").number_value());
  EXPECT_EQ(seq, lines.size());
  const std::string hash = last.fields().at("hash").string_value();
  EXPECT_NE(import_out_.find(absl::StrCat("head seq:        ", seq, "\n")),
            std::string::npos)
      << import_out_;
  EXPECT_NE(import_out_.find("head hash:       " + hash), std::string::npos)
      << import_out_;
  // The stored heads themselves, not only what import printed.
  absl::StatusOr<LogHead> a = ReadLogHead(source_);
  absl::StatusOr<LogHead> b = ReadLogHead(imported_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->seq, b->seq);
  EXPECT_EQ(absl::BytesToHexString(a->hash), absl::BytesToHexString(b->hash));
  EXPECT_EQ(absl::BytesToHexString(b->hash), hash);
}

TEST_F(ExportImportTest, ReplayAcceptsTheImportedLedger) {
  std::string out, err;
  EXPECT_EQ(Ledgerctl("replay --db " + imported_, &out, &err), 0) << out << err;
  EXPECT_NE(out.find("verdict:        OK"), std::string::npos) << out;
}

// The round trip an auditor relies on: the digest published from the source
// ledger is one the imported ledger verifies against.
TEST_F(ExportImportTest, ImportedLedgerVerifiesAgainstTheSourcesDigest) {
  std::string digest, err;
  ASSERT_EQ(Ledgerctl("digest --db " + source_, &digest, &err), 0) << err;
  while (!digest.empty() && digest.back() == '\n') digest.pop_back();
  ASSERT_NE(digest.find(':'), std::string::npos) << digest;
  std::string out;
  EXPECT_EQ(Ledgerctl("verify --db " + imported_ + " --digest " + digest, &out,
                      &err),
            0)
      << out << err;
  EXPECT_NE(out.find("verdict:        OK"), std::string::npos) << out;
  std::string imported_digest;
  ASSERT_EQ(Ledgerctl("digest --db " + imported_, &imported_digest), 0);
  EXPECT_EQ(imported_digest, digest + "\n");
}

TEST_F(ExportImportTest, EveryCustomerHasTheSameBalanceAfterImport) {
  std::set<std::string> customers;
  for (const std::string& line : SplitLines(export_)) {
    const std::string c = ParseJsonObject(line).fields().at("customer").string_value();
    if (!c.empty()) customers.insert(c);
  }
  ASSERT_GE(customers.size(), 2u);
  for (const std::string& c : customers) {
    // One time inside most refund windows, so `refundable` is compared too
    // (every run of ledgerctl costs about 0.1 s).
    for (const char* at : {"2026-03-10T12:00:00Z"}) {
      std::string a, b;
      ASSERT_EQ(Ledgerctl(absl::StrCat("balance --db ", source_, " --customer ",
                                       c, " --at ", at),
                          &a),
                0);
      ASSERT_EQ(Ledgerctl(absl::StrCat("balance --db ", imported_,
                                       " --customer ", c, " --at ", at),
                          &b),
                0);
      EXPECT_EQ(a, b) << c << " at " << at;
    }
  }
}

TEST_F(ExportImportTest, ReExportOfTheImportIsByteIdentical) {
  std::string jsonl, csv_a, csv_b;
  ASSERT_EQ(Ledgerctl("export --db " + imported_ + " --format jsonl", &jsonl), 0);
  EXPECT_TRUE(jsonl == export_) << "the re-export differs";
  ASSERT_EQ(Ledgerctl("export --db " + source_ + " --format csv", &csv_a), 0);
  ASSERT_EQ(Ledgerctl("export --db " + imported_ + " --format csv", &csv_b), 0);
  EXPECT_TRUE(csv_a == csv_b);
}

TEST_F(ExportImportTest, CsvHasOneBalancedRowPerJournalLine) {
  std::string csv;
  ASSERT_EQ(Ledgerctl("export --db " + source_ + " --format csv", &csv), 0);
  const std::vector<std::string> rows = SplitLines(csv);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0] + "\n", kExportCsvHeader);
  size_t postings = 0;
  for (const std::string& line : SplitLines(export_)) {
    postings += ParseJsonObject(line).fields().at("postings").list_value().values_size();
  }
  ASSERT_EQ(rows.size(), postings + 1);
  // Debits equal credits per unit over the whole export (docs/accounting.md
  // invariant 1). Keys here have no commas, so a plain split is enough.
  std::map<std::string, int64_t> net;
  for (size_t i = 1; i < rows.size(); ++i) {
    std::vector<std::string> f;
    std::stringstream in(rows[i].substr(0, rows[i].size() - 1));  // CR
    for (std::string field; std::getline(in, field, ',');) f.push_back(field);
    ASSERT_EQ(f.size(), 12u) << rows[i];
    net[f[6]] += std::stoll(f[7]) - std::stoll(f[8]);
    EXPECT_EQ(f[9].size(), 64u);
    // docs/contract.md section 16: who issued it (apply's --actor, by
    // default the user) and when it was written.
    EXPECT_FALSE(f[10].empty()) << rows[i];
    EXPECT_TRUE(ParseTimeUs(f[11]).ok()) << rows[i];
  }
  for (const auto& [unit, sum] : net) EXPECT_EQ(sum, 0) << unit;
}

TEST_F(ExportImportTest, ModifiedExportLineFailsNamingItsSeqAndChangesNothing) {
  const std::vector<std::string> lines = SplitLines(export_);
  // The first event past seq 5 whose command has credits gets one digit
  // more in its readable command.
  size_t index = 5;
  while (index < lines.size() &&
         lines[index].find("\"credits\": ") == std::string::npos) {
    ++index;
  }
  ASSERT_LT(index, lines.size());
  std::string edited = lines[index];
  edited.insert(edited.find("\"credits\": ") + 11, "1");
  const std::string target = dir_->path() + "/tampered";
  std::string out, err;
  EXPECT_EQ(Ledgerctl("import --db " + target + " " + ExportWith(index, edited),
                      &out, &err),
            1);
  EXPECT_NE(err.find(absl::StrCat("seq ", index + 1, ")")), std::string::npos)
      << err;
  EXPECT_NE(err.find("'command'"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(target));
  EXPECT_FALSE(fs::exists(target + ".importing"));
}

TEST_F(ExportImportTest, EditedEventBytesFailTheHashCheckNamingTheSeq) {
  const std::vector<std::string> lines = SplitLines(export_);
  const Struct line = ParseJsonObject(lines[9]);
  std::string bytes;
  ASSERT_TRUE(absl::Base64Unescape(line.fields().at("event").string_value(), &bytes));
  bytes.back() ^= 1;
  std::string base64;
  absl::Base64Escape(bytes, &base64);
  const std::string edited = absl::StrReplaceAll(
      lines[9], {{line.fields().at("event").string_value(), base64}});
  std::string out, err;
  EXPECT_EQ(Ledgerctl("import --db " + dir_->path() + "/t2 " +
                          ExportWith(9, edited),
                      &out, &err),
            1);
  EXPECT_NE(err.find("seq 10"), std::string::npos) << err;
}

// A forger who changes an event's effects and recomputes every hash after
// it passes the line checks; the ledger's own re-decision catches it.
TEST_F(ExportImportTest, TamperedEffectsWithARecomputedChainAreCaughtByReDecision) {
  std::vector<std::string> lines = SplitLines(export_);
  size_t index = 0;  // the first purchase
  for (; index < lines.size(); ++index) {
    if (lines[index].find("\"kind\": \"purchase\"") != std::string::npos) break;
  }
  ASSERT_LT(index, lines.size());
  std::string prev_hash(kHashBytes, '\0');
  for (size_t i = 0; i < lines.size(); ++i) {
    // Decoded without ExportReader: the chain is being rewritten.
    v1::Event event;
    {
      std::string bytes;
      const Struct line = ParseJsonObject(lines[i]);
      ASSERT_TRUE(absl::Base64Unescape(
          line.fields().at("event").string_value(), &bytes));
      ASSERT_TRUE(event.ParseFromString(bytes));
    }
    if (i >= index) {
      if (i == index) {
        ASSERT_TRUE(event.effects(event.effects_size() - 1).has_lot_granted());
        v1::LotState* lot =
            event.mutable_effects(event.effects_size() - 1)
                ->mutable_lot_granted()
                ->mutable_lot();
        lot->set_amount_minor(lot->amount_minor() + 1);
      }
    }
    // Stored without its derived header fields; the line shows them.
    const std::string bytes = StoredEventBytes(event);
    const std::string hash = Sha256(prev_hash, bytes);
    FillDerivedHeader(event, prev_hash, CommandFingerprint(event.command()));
    LogEvent stored;
    stored.seq = event.header().seq();
    stored.hash = hash;
    stored.bytes = bytes;
    stored.event = &event;
    lines[i] = ExportEvent(stored, ExportFormat::kJsonl);
    lines[i].pop_back();  // the line break
    prev_hash = hash;
  }
  const std::string path = dir_->path() + "/forged.jsonl";
  WriteFile(path, JoinLines(lines));
  const std::string target = dir_->path() + "/forged";
  std::string out, err;
  EXPECT_EQ(Ledgerctl("import --db " + target + " " + path, &out, &err), 1);
  EXPECT_NE(err.find(absl::StrCat("seq ", index + 1, ": the ledger decided")),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("amount_minor"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(ExportImportTest, MissingLineOrTextThatIsNoExportFailsNamingTheSeq) {
  std::vector<std::string> lines = SplitLines(export_);
  lines.erase(lines.begin() + 9);  // seq 10
  const std::string gap = dir_->path() + "/gap.jsonl";
  WriteFile(gap, JoinLines(lines));
  std::string out, err;
  EXPECT_EQ(Ledgerctl("import --db " + dir_->path() + "/g " + gap, &out, &err), 1);
  EXPECT_NE(err.find("line 10 (seq 10): the event says seq 11"), std::string::npos)
      << err;
  const std::string text = dir_->path() + "/text.jsonl";
  WriteFile(text, "hello\n");
  EXPECT_EQ(Ledgerctl("import --db " + dir_->path() + "/g " + text, &out, &err), 1);
  EXPECT_NE(err.find("line 1 (seq 1): no members 'event' and 'hash'"),
            std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(dir_->path() + "/g"));
}

TEST_F(ExportImportTest, ExportFromALaterSeqCannotBeImportedIntoAnEmptyLedger) {
  std::string partial, out, err;
  ASSERT_EQ(Ledgerctl("export --db " + source_ + " --format jsonl --from-seq 3",
                      &partial),
            0);
  ASSERT_FALSE(partial.empty());
  EXPECT_EQ(ParseJsonObject(SplitLines(partial)[0]).fields().at("seq").number_value(), 3);
  const std::string path = dir_->path() + "/partial.jsonl";
  WriteFile(path, partial);
  EXPECT_EQ(Ledgerctl("import --db " + dir_->path() + "/p " + path, &out, &err),
            1);
  EXPECT_NE(err.find("starts at seq 3"), std::string::npos) << err;
  EXPECT_NE(err.find("complete export"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir_->path() + "/p"));
}

TEST_F(ExportImportTest, ImportRefusesALedgerWithEventsAndLeavesItAlone) {
  std::string before, after, out, err;
  ASSERT_EQ(Ledgerctl("export --db " + source_ + " --format jsonl", &before), 0);
  EXPECT_EQ(Ledgerctl("import --db " + source_ + " " + export_file_, &out, &err),
            1);
  EXPECT_NE(err.find("already holds a ledger with"), std::string::npos) << err;
  ASSERT_EQ(Ledgerctl("export --db " + source_ + " --format jsonl", &after), 0);
  EXPECT_TRUE(before == after);
}

TEST_F(ExportImportTest, ImportAcceptsAnEmptyFolderOrAnEmptyLedgerAndStdin) {
  const std::string empty_folder = dir_->path() + "/empty";
  fs::create_directories(empty_folder);
  std::string out, err;
  EXPECT_EQ(Ledgerctl("import --db " + empty_folder + " < " + export_file_,
                      &out, &err),
            0)
      << err;
  const std::string empty_ledger = dir_->path() + "/empty-ledger";
  // apply of no command makes an empty ledger (a reader never creates one).
  ASSERT_EQ(Ledgerctl("apply --db " + empty_ledger + " < /dev/null", &out), 0);
  EXPECT_EQ(Ledgerctl("import --db " + empty_ledger + " " + export_file_, &out,
                      &err),
            0)
      << err;
  std::string jsonl;
  ASSERT_EQ(Ledgerctl("export --db " + empty_ledger + " --format jsonl", &jsonl),
            0);
  EXPECT_TRUE(jsonl == export_);
}

TEST_F(ExportImportTest, BadExportUsage) {
  std::string out;
  EXPECT_EQ(Ledgerctl("export --db " + source_, &out), 2);
  EXPECT_EQ(Ledgerctl("export --db " + source_ + " --format xml", &out), 2);
  EXPECT_EQ(Ledgerctl("export --db " + source_ + " --format csv --from-seq 0", &out), 2);
  EXPECT_EQ(Ledgerctl("import", &out), 2);
  for (const char* help : {"export --help", "import --help"}) {
    EXPECT_EQ(Ledgerctl(help, &out), 0);
    EXPECT_NE(out.find("usage: ledgerctl"), std::string::npos);
  }
}

// The way over from a ledger of the previous format (credit-ledger/1,
// docs/storage.md "Format versions"): its export, made by the build that
// wrote it (`ledgerctl demo --customers 3 --threads 1 --seed 7`, then
// `export --format jsonl`, kept in tests/tools/testdata), imports into this
// format. Every event is the exported one but for the chain, which is
// rebuilt over the new bytes; replay and verify pass on the result.
TEST(ExportImportPreviousFormat, AnExportOfThePreviousFormatImportsWithEveryEventKept) {
  TempDir dir;
  const std::string old_export =
      std::string(SOURCE_DIR) + "/tests/tools/testdata/format1_demo_export.jsonl";
  const std::string target = dir.path() + "/migrated";
  std::string out, err;
  ASSERT_EQ(Ledgerctl("import --db " + target + " " + old_export, &out, &err), 0)
      << err;
  EXPECT_NE(out.find("imported events: 162"), std::string::npos) << out;
  EXPECT_NE(out.find("migrated from credit-ledger/1"), std::string::npos) << out;
  EXPECT_NE(out.find("cfb208c5f26c9d566b0e2251f243257565d589394a433b8d37b0b2dd134321d5"),
            std::string::npos)
      << "the export's head is named: " << out;
  EXPECT_EQ(Ledgerctl("replay --db " + target, &out, &err), 0) << out << err;
  EXPECT_EQ(Ledgerctl("verify --db " + target, &out, &err), 0) << out << err;

  std::string exported_again;
  ASSERT_EQ(Ledgerctl("export --db " + target + " --format jsonl", &exported_again), 0);
  std::ifstream in(old_export);
  const std::string old_text(std::istreambuf_iterator<char>(in), {});
  const std::vector<std::string> old_lines = SplitLines(old_text);
  const std::vector<std::string> new_lines = SplitLines(exported_again);
  ASSERT_EQ(new_lines.size(), old_lines.size());
  for (size_t i = 0; i < old_lines.size(); ++i) {
    Struct was = ParseJsonObject(old_lines[i]);
    Struct now = ParseJsonObject(new_lines[i]);
    for (const std::string chained : {"prev_hash", "hash", "event"}) {
      if (i > 0 || chained != "prev_hash") {  // both start at the zero hash
        EXPECT_NE(now.fields().at(chained).string_value(),
                  was.fields().at(chained).string_value())
            << chained << " of line " << i + 1;
      }
      was.mutable_fields()->erase(chained);
      now.mutable_fields()->erase(chained);
    }
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(was, now))
        << "line " << i + 1 << ":\n" << old_lines[i] << "\n" << new_lines[i];
    if (i == 0) {  // the first event still follows the zero hash
      EXPECT_EQ(ParseJsonObject(new_lines[0]).fields().at("prev_hash").string_value(),
                std::string(64, '0'));
    }
  }
  // Its import again is the ordinary kind: the same chain.
  const std::string again_file = dir.path() + "/again.jsonl";
  WriteFile(again_file, exported_again);
  ASSERT_EQ(Ledgerctl("import --db " + dir.path() + "/again " + again_file, &out, &err), 0)
      << err;
  EXPECT_EQ(out.find("migrated"), std::string::npos) << out;
}

}  // namespace
}  // namespace ledger::testing
