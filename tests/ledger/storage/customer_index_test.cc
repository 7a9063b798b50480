// The customer index (docs/storage.md, "The customer index"): every event
// that names a customer has its entry, written with the event; pages read
// through it chain from the first event to the last; a ledger written
// before it answers the same and gets it when a writer opens it.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/customer_reads.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/storage/customer_index.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/v1/command.pb.h"
#include "rocksdb/db.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::RawLog;
using testing::TempDir;
using testing::TestLedger;

Options FixedClock() {
  Options options;
  options.sync = false;
  // Scenarios leave `at` out of some commands.
  options.clock = [] { return int64_t{1796000000} * 1000000; };
  return options;
}

// Each scenario's commands, a scenario a list (they reuse ids and keys).
std::vector<std::vector<std::string>> Scenarios() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(SCENARIO_DIR)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".jsonl") && name.find('.') == name.size() - 6) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::vector<std::string>> out;
  for (const auto& path : files) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    out.push_back(std::move(lines));
  }
  return out;
}

// The stored index of `dir` (a closed ledger): customer -> seq -> value.
std::map<std::string, std::map<uint64_t, std::string>> StoredIndex(
    const std::string& dir) {
  std::map<std::string, std::map<uint64_t, std::string>> out;
  RawLog raw(dir);
  for (const auto& [key, value] : raw.Entries(kCustomerEventsFamily)) {
    if (key == kCustomerIndexStatusKey) {
      EXPECT_EQ(value, "complete");
      continue;
    }
    auto named = DecodeCustomerEventKey(key);
    EXPECT_TRUE(named.ok()) << named.status();
    if (named.ok()) out[named->first][named->second] = value;
  }
  return out;
}

// The scenarios in one ledger: each one's customers and keys made its own
// by a prefix (a ledger per scenario costs an open each).
std::vector<std::string> AllScenariosApart() {
  const std::regex customer(R"re("customer"\s*:\s*")re");
  const std::regex key(R"re("key"\s*:\s*")re");
  std::vector<std::string> out;
  int n = 0;
  for (const std::vector<std::string>& scenario : Scenarios()) {
    const std::string prefix = absl::StrCat("s", n++, "-");
    for (const std::string& line : scenario) {
      std::string renamed = std::regex_replace(line, customer, "\"customer\":\"" + prefix);
      out.push_back(std::regex_replace(renamed, key, "\"key\":\"" + prefix));
    }
  }
  return out;
}

TEST(CustomerIndex, EveryKindOfEventThatNamesACustomerReachesItsIndex) {
  std::set<int> kinds_indexed;
  {
    TestLedger db(FixedClock());
    auto results = db->SubmitJsonBatch(AllScenariosApart());
    ASSERT_TRUE(results.ok()) << results.status();
    // What the log implies, from the whole parsed events.
    std::map<std::string, std::map<uint64_t, std::string>> implied;
    ASSERT_TRUE(db->ReadEvents(1, [&](const v1::Event& e) {
      if (e.header().customer().empty()) return true;
      implied[e.header().customer()][e.header().seq()] =
          EncodeCustomerEventValue(e.header().at_us());
      kinds_indexed.insert(static_cast<int>(e.command().kind_case()));
      return true;
    }).ok());
    // The ledger's own pages give each customer's events, in order.
    for (const auto& [customer, events] : implied) {
      std::vector<uint64_t> seqs;
      std::optional<uint64_t> next = 1;
      for (int pages = 0; next.has_value() && pages < 100; ++pages) {
        auto page = db->ReadCustomerEvents(customer, *next, kMaxCustomerEventPage);
        ASSERT_TRUE(page.ok()) << page.status();
        for (const CustomerEvent& e : page->events) {
          EXPECT_EQ(e.event.header().customer(), customer);
          seqs.push_back(e.seq);
        }
        next = page->next_from_seq;
      }
      std::vector<uint64_t> expected;
      for (const auto& [seq, value] : events) expected.push_back(seq);
      EXPECT_EQ(seqs, expected) << customer;
    }
    db.Close();
    EXPECT_EQ(StoredIndex(db.dir()), implied);
  }
  // Every kind of command but set_policy (which names no customer) was
  // accepted in some scenario and reached the index.
  const google::protobuf::OneofDescriptor* kind =
      v1::Command::descriptor()->FindOneofByName("kind");
  for (int i = 0; i < kind->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = kind->field(i);
    if (f->name() == "set_policy") continue;
    EXPECT_TRUE(kinds_indexed.count(f->number())) << f->name() << " never indexed";
  }
}

TEST(CustomerIndex, PagesChainFromTheFirstEventToTheLastAndSayWhereTheNextStarts) {
  TestLedger db;
  db.WriteManyEvents(95);  // c5 has seqs 5, 15, ..., 95
  auto first = db->ReadCustomerEvents("c5", 0, 4);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->events.size(), 4u);
  EXPECT_EQ(first->events.front().seq, 5u);
  EXPECT_EQ(first->events.back().seq, 35u);
  ASSERT_EQ(first->next_from_seq, std::optional<uint64_t>(45));
  // A page that ends exactly at the last event says so.
  auto last = db->ReadCustomerEvents("c5", 65, 4);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->events.size(), 4u);
  EXPECT_EQ(last->events.back().seq, 95u);
  EXPECT_FALSE(last->next_from_seq.has_value());
  // Past the end of a known customer: an empty page, not an error.
  auto past = db->ReadCustomerEvents("c5", 96, 4);
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->events.empty());
  // The event carries its stored hash, and what export needs.
  EXPECT_EQ(first->events[0].hash.size(), 32u);
  EXPECT_FALSE(first->events[0].bytes.empty());
  EXPECT_EQ(db->ReadCustomerEvents("nobody", 1, 4).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(db->ReadCustomerEvents("c5", 1, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->ReadCustomerEvents("c5", 1, kMaxCustomerEventPage + 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  // The reader side answers the same beside the live writer.
  auto read = ReadCustomerEvents(db.dir(), "c5", 0, 4);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->events.size(), 4u);
  EXPECT_EQ(read->events[3].bytes, first->events[3].bytes);
  EXPECT_EQ(read->next_from_seq, first->next_from_seq);
}

// Drops the index's family, as a ledger of a build before it lacks it.
void DropIndex(const std::string& dir) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& n : names) families.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, families, &handles, &raw).ok());
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    if (h->GetName() == kCustomerEventsFamily) {
      ASSERT_TRUE(raw->DropColumnFamily(h).ok());
    }
  }
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    raw->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  delete raw;
}

TEST(CustomerIndex, ALedgerWrittenBeforeTheIndexAnswersAndGetsItWhenAWriterOpensIt) {
  TestLedger db;
  // More events than one building batch, so the build writes several.
  db.WriteManyEvents(static_cast<int>(kCustomerIndexBuildBatch) + 500);
  auto before = ReadCustomerEvents(db.dir(), "c3", 1, 50);
  ASSERT_TRUE(before.ok()) << before.status();
  auto as_of = ReadBalanceAsOf(db.dir(), "c3", kMaxTimeUs / 2);
  ASSERT_TRUE(as_of.ok()) << as_of.status();
  db.Close();
  DropIndex(db.dir());
  // Readers of the older ledger: the same answers, from a scan of the log;
  // replay passes (no index, nothing to compare).
  auto scanned = ReadCustomerEvents(db.dir(), "c3", 1, 50);
  ASSERT_TRUE(scanned.ok()) << scanned.status();
  ASSERT_EQ(scanned->events.size(), before->events.size());
  for (size_t i = 0; i < before->events.size(); ++i) {
    EXPECT_EQ(scanned->events[i].bytes, before->events[i].bytes);
  }
  EXPECT_EQ(scanned->next_from_seq, before->next_from_seq);
  auto scanned_as_of = ReadBalanceAsOf(db.dir(), "c3", kMaxTimeUs / 2);
  ASSERT_TRUE(scanned_as_of.ok());
  EXPECT_EQ(scanned_as_of->available, as_of->available);
  auto report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
  // A writer's open builds it, complete, and replay checks it.
  db.Reopen();
  db.Close();
  size_t of_c3 = 0;  // WriteManyEvents gives event i to customer i % 10
  for (uint64_t i = 1; i <= kCustomerIndexBuildBatch + 500; ++i) of_c3 += i % 10 == 3;
  EXPECT_EQ(StoredIndex(db.dir())["c3"].size(), of_c3);
  report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST(CustomerIndex, ABuildCutShortResumesAfterItsLastBatch) {
  TestLedger db;
  db.WriteManyEvents(60);
  db.Close();
  {  // As if a build had written the entries through seq 20 and stopped.
    RawLog raw(db.dir());
    for (const auto& [key, value] : raw.Entries(kCustomerEventsFamily)) {
      auto named = DecodeCustomerEventKey(key);
      if (named.ok() && named->second > 20) raw.DeleteRaw(kCustomerEventsFamily, key);
    }
    raw.PutRaw(kCustomerEventsFamily, std::string(kCustomerIndexStatusKey),
               EncodeCustomerIndexStatus({false, 20}));
  }
  auto partial = ReplayLedger(db.dir());
  ASSERT_TRUE(partial.ok());
  EXPECT_TRUE(partial->ok) << "an index built through 20 is checked through 20: "
                           << partial->problem;
  db.Reopen();
  db.Close();
  size_t entries = 0;
  for (const auto& [customer, events] : StoredIndex(db.dir())) entries += events.size();
  EXPECT_EQ(entries, 60u);
  auto report = ReplayLedger(db.dir());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

// The reads look each named event and the one before it up by key: an
// entry naming a seq past the log, or another customer's event, is a
// damaged ledger, said as DataLoss (and found by replay), never a page
// with a hole or a stranger's event in it.
TEST(CustomerIndex, AnEntryNamingAnEventPastTheLogOrAnotherCustomersIsDataLoss) {
  TestLedger db;
  db.WriteFourEventsAndClose();  // c1 at seqs 1, 2 and 4, c2 at seq 3
  auto whole = ReadCustomerEvents(db.dir(), "c1", 1, 10);
  ASSERT_TRUE(whole.ok()) << whole.status();
  ASSERT_EQ(whole->events.size(), 3u);
  EXPECT_EQ(whole->events[0].seq, 1u);  // the first event: no event before it
  EXPECT_EQ(whole->events[2].seq, 4u);
  auto before = ReadBalanceAsOf(db.dir(), "c1", kMaxTimeUs);
  ASSERT_TRUE(before.ok()) << before.status();

  RawLog(db.dir()).PutRaw(kCustomerEventsFamily, CustomerEventKey("c1", 9),
                          EncodeCustomerEventValue(0));
  auto past = ReadCustomerEvents(db.dir(), "c1", 1, 10);
  EXPECT_TRUE(absl::IsDataLoss(past.status())) << past.status();
  EXPECT_NE(past.status().message().find("event 8, which event 9 chains onto"),
            std::string::npos)
      << past.status();
  RawLog(db.dir()).DeleteRaw(kCustomerEventsFamily, CustomerEventKey("c1", 9));

  std::string at_of_3;
  for (const auto& [key, value] : RawLog(db.dir()).Entries(kCustomerEventsFamily)) {
    if (key == CustomerEventKey("c2", 3)) at_of_3 = value;
  }
  ASSERT_EQ(at_of_3.size(), 8u);
  RawLog(db.dir()).PutRaw(kCustomerEventsFamily, CustomerEventKey("c1", 3), at_of_3);
  auto stranger = ReadBalanceAsOf(db.dir(), "c1", kMaxTimeUs);
  EXPECT_TRUE(absl::IsDataLoss(stranger.status())) << stranger.status();
  EXPECT_NE(stranger.status().message().find("another's"), std::string::npos)
      << stranger.status();
  RawLog(db.dir()).DeleteRaw(kCustomerEventsFamily, CustomerEventKey("c1", 3));
  auto after = ReadBalanceAsOf(db.dir(), "c1", kMaxTimeUs);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->available, before->available);
}

}  // namespace
}  // namespace ledger
