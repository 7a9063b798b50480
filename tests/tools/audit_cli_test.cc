// The audit subcommands as an auditor runs them (LEDGERCTL_PATH):
// `replay --until-seq/--as-of`, `balance --as-of-seq`, `trial-balance`,
// `digest` and `verify`, on ledgers written by `ledgerctl apply` and
// tampered with through RocksDB directly (tests/tamper_util.h).
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "gmock/gmock.h"

#include "absl/strings/escaping.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;


// Five events: c1 buys and spends twice, c2 (dated earlier) buys, c1 holds.
const std::string kCommands =
    FourEventCommandLines() +
    R"({"key":"k5","customer":"c1","at":"2026-03-08T12:30:00Z","hold":{"hold_id":"h1","credits":100,"expires_at":"2026-03-08T13:30:00Z"}})"
    "\n";

// A ledger of kCommands written by `ledgerctl apply`, in dir()/db.
class AuditCli : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.path() + "/db";
    const std::string input = dir_.path() + "/in.jsonl";
    std::ofstream(input) << kCommands;
    std::string out;
    ASSERT_EQ(RunLedgerctl("apply --db " + db_ + " " + input, &out), 0) << out;
    ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 5) << out;
    ASSERT_THAT(out, Not(HasSubstr("REJECTED")));
  }
  std::string Run(const std::string& args, int expected_exit) {
    return LedgerctlExpecting(args, expected_exit);
  }
  std::string Digest() {
    std::string out;
    EXPECT_EQ(RunLedgerctl("digest --db " + db_, &out), 0);
    return out.substr(0, out.find('\n'));
  }

  TempDir dir_;
  std::string db_;
};

TEST_F(AuditCli, HelpOfEachAuditCommandExitsZero) {
  for (const char* args : {"digest --help", "verify --help",
                           "trial-balance --help", "replay --help",
                           "balance --help"}) {
    std::string out;
    EXPECT_EQ(RunLedgerctl(args, &out), 0) << args;
    EXPECT_THAT(out, HasSubstr("usage: ledgerctl")) << args;
    EXPECT_THAT(out, HasSubstr("Exit status")) << args;
  }
  std::string out;
  ASSERT_EQ(RunLedgerctl("--help", &out), 0);
  EXPECT_THAT(out, HasSubstr("  trial-balance  "));
  EXPECT_THAT(out, HasSubstr("  verify  "));
  EXPECT_THAT(out, HasSubstr("  digest  "));
}

TEST_F(AuditCli, BadAuditUsageExitsTwoWithNothingOnStdout) {
  for (const std::string& args :
       {std::string("digest"), std::string("verify"),
        std::string("trial-balance"), "verify --db " + db_ + " --digest 5",
        "verify --db " + db_ + " --digest 5:abc",
        "trial-balance --db " + db_ + " --format xml",
        "trial-balance --db " + db_ + " --as-of yesterday",
        "replay --db " + db_ + " --until-seq 0",
        "replay --db " + db_ + " --until-seq x",
        "replay --db " + db_ + " --as-of soon",
        "replay --db " + db_ + " --until-seq 1 --as-of 2026-03-08T10:00:00Z",
        "balance --db " + db_ + " --customer c1 --as-of-seq -1"}) {
    std::string out;
    EXPECT_EQ(RunLedgerctl(args, &out), 2) << args;
    EXPECT_EQ(out, "") << args;
  }
}

TEST_F(AuditCli, DigestPrintsTheHeadAsSeqColonHash) {
  std::string out;
  ASSERT_EQ(RunLedgerctl("digest --db " + db_, &out), 0);
  EXPECT_TRUE(std::regex_match(out, std::regex("5:[0-9a-f]{64}\n"))) << out;
  RawLog raw(db_);
  EXPECT_EQ(out, "5:" + absl::BytesToHexString(raw.Get(5).substr(0, kHashBytes)) + "\n");
}

TEST_F(AuditCli, AuditCommandsNeverCreateAMissingLedger) {
  const std::string missing = dir_.path() + "/missing";
  Run("digest --db " + missing, 1);
  Run("verify --db " + missing, 1);
  Run("trial-balance --db " + missing, 1);
  Run("balance --db " + missing + " --customer c1 --as-of-seq 1", 1);
  Run("replay --db " + missing + " --until-seq 1", 1);
  Run("export --db " + missing + " --format jsonl", 1);
  Run("statement --db " + missing + " --customer c1", 1);
  Run("tail --db " + missing + " --from-seq 1", 1);
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(AuditCli, VerifyOfAnUntouchedLedgerWithItsDigestPasses) {
  const std::string digest = Digest();
  std::string out = Run("verify --db " + db_ + " --digest " + digest, 0);
  EXPECT_THAT(out, HasSubstr("events checked: 5\n"));
  EXPECT_THAT(out, HasSubstr("head:           " + digest + "\n"));
  EXPECT_THAT(out, HasSubstr("verdict:        OK\n"));
}

TEST_F(AuditCli, VerifyNamesTheFirstBadSeqOfAChangedByte) {
  {
    RawLog raw(db_);
    std::string value = raw.Get(2);
    value[kHashBytes + 5] ^= 0x20;
    raw.Put(2, value);
  }
  std::string out = Run("verify --db " + db_, 1);
  EXPECT_THAT(out, HasSubstr("verdict:        FAILED"));
  EXPECT_THAT(out, HasSubstr("first bad event seq 2: event 2: hash chain broken"));
}

TEST_F(AuditCli, VerifyNamesTheSeqOfARemovedEvent) {
  RawLog(db_).Delete(3);
  EXPECT_THAT(Run("verify --db " + db_, 1),
              HasSubstr("first bad event seq 3: event 3 is missing"));
}

TEST_F(AuditCli, VerifyNamesTheFirstOfTwoSwappedEvents) {
  {
    RawLog raw(db_);
    const std::string fourth = raw.Get(4);
    raw.Put(4, raw.Get(2));
    raw.Put(2, fourth);
  }
  EXPECT_THAT(Run("verify --db " + db_, 1),
              HasSubstr("first bad event seq 2: event 2: hash chain broken"));
}

TEST_F(AuditCli, VerifyWithThePublishedDigestCatchesARewrittenHistory) {
  const std::string published = Digest();
  RawLog(db_).RewriteFrom(2, 5, [](v1::Event& event) {
    event.mutable_command()->set_key("k2-forged");
  });
  EXPECT_NE(Digest(), published);
  EXPECT_THAT(Run("verify --db " + db_, 0), HasSubstr("verdict:        OK"));
  std::string out = Run("verify --db " + db_ + " --digest " + published, 1);
  // The published hash is nowhere in the rewritten log: said plainly
  // first, then what it means if the digest is this ledger's. Nothing in
  // the chain is bad, so no event is called bad.
  EXPECT_THAT(out, HasSubstr("does not match the digest at seq 5 (its chain checks "
                             "good up to seq 4): the digest " + published +
                             " matches no event of this log"));
  EXPECT_THAT(out, Not(HasSubstr("first bad event")));
  EXPECT_THAT(out, HasSubstr("rewritten at or before seq 5 (event 5 has hash"));
}

TEST_F(AuditCli, TrialBalanceTextShowsEachUnitNettingToZero) {
  std::string out = Run("trial-balance --db " + db_, 0);
  EXPECT_THAT(out, HasSubstr("trial balance as of the head: 5 of 5 events"));
  EXPECT_TRUE(std::regex_search(
      out, std::regex("CREDITS +CUSTOMER_LOTS +200 +1300 +-1100\n")))
      << out;
  EXPECT_TRUE(std::regex_search(
      out, std::regex("CREDITS +CUSTOMER_HELD +0 +100 +-100\n")))
      << out;
  EXPECT_TRUE(std::regex_search(
      out, std::regex("USD +total +1999 +1999 +0  balanced\n")))
      << out;
  EXPECT_THAT(out, HasSubstr("verdict: OK, every unit nets to zero"));
}

TEST_F(AuditCli, TrialBalanceJsonAsOfSumsTheEventsDatedUpToTheTime) {
  std::string out;
  ASSERT_EQ(RunLedgerctl("trial-balance --db " + db_ +
                          " --format json --as-of 2026-03-08T11:00:00Z",
                      &out),
            0);
  google::protobuf::Struct tb;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(out, &tb).ok()) << out;
  const auto& f = tb.fields();
  EXPECT_EQ(f.at("as_of").string_value(), "2026-03-08T11:00:00Z");
  EXPECT_EQ(f.at("events_read").number_value(), 5);
  EXPECT_EQ(f.at("events_summed").number_value(), 3);  // k1, k2, k3
  EXPECT_TRUE(f.at("balanced").bool_value());
  bool saw_consumed = false;
  for (const auto& line : f.at("lines").list_value().values()) {
    const auto& l = line.struct_value().fields();
    if (l.at("account").string_value() == "CREDITS_CONSUMED") {
      saw_consumed = true;
      EXPECT_EQ(l.at("unit").string_value(), "CREDITS");
      EXPECT_EQ(l.at("debit").number_value(), 0);
      EXPECT_EQ(l.at("credit").number_value(), 60);
      EXPECT_EQ(l.at("net").number_value(), -60);
    }
    EXPECT_NE(l.at("account").string_value(), "CUSTOMER_HELD") << "k5 is later";
  }
  EXPECT_TRUE(saw_consumed) << out;
  ASSERT_EQ(f.at("totals").list_value().values_size(), 3);
}

TEST_F(AuditCli, TrialBalanceExitsOneWhenAUnitDoesNotNetToZero) {
  RawLog(db_).RewriteFrom(1, 5, [](v1::Event& event) {
    for (v1::Posting& p : *event.mutable_postings()) {
      if (p.account() == v1::CASH) p.set_amount(p.amount() + 1000);
    }
  });
  std::string out = Run("trial-balance --db " + db_, 1);
  EXPECT_TRUE(std::regex_search(
      out, std::regex("USD +total +2999 +1999 +1000  NOT BALANCED\n")))
      << out;
  EXPECT_THAT(out, HasSubstr("verdict: FAILED"));
}

TEST_F(AuditCli, TrialBalanceOfALogThatDoesNotVerifyFails) {
  RawLog(db_).Delete(4);
  EXPECT_THAT(Run("trial-balance --db " + db_, 1),
              HasSubstr("event 4 is missing"));
}

TEST_F(AuditCli, ReplayUntilSeqChecksTheLogUpToThere) {
  std::string out = Run("replay --db " + db_ + " --until-seq 2", 0);
  EXPECT_EQ(out,
            "events checked: 2\n"
            "customers:      1\n"
            "state at seq:   2\n"
            "projections:    not compared (only a full replay does)\n"
            "verdict:        OK\n");
  EXPECT_THAT(Run("replay --db " + db_ + " --until-seq 6", 1),
              HasSubstr("seq 6 is past the head of the log (seq 5)"));
}

TEST_F(AuditCli, ReplayAsOfStopsAtTheLastEventDatedAtOrBeforeTheTime) {
  EXPECT_THAT(Run("replay --db " + db_ + " --as-of 2026-03-08T09:30:00Z", 0),
              HasSubstr("state at seq:   3\n"));
  EXPECT_THAT(Run("replay --db " + db_ + " --as-of 2026-03-01T00:00:00Z", 0),
              HasSubstr("state at seq:   0\n"));
}

TEST_F(AuditCli, ReplayUntilSeqNamesATamperedEventBeforeThePoint) {
  {
    RawLog raw(db_);
    std::string value = raw.Get(2);
    value.back() ^= 0x01;
    raw.Put(2, value);
  }
  Run("replay --db " + db_ + " --until-seq 1", 0);
  EXPECT_THAT(Run("replay --db " + db_ + " --until-seq 3", 1),
              HasSubstr("first bad event seq 2"));
}

TEST_F(AuditCli, BalanceAsOfSeqIsTheBalanceAfterThatEvent) {
  const std::string args =
      "balance --db " + db_ + " --customer c1 --at 2026-03-08T13:00:00Z";
  std::string then;
  ASSERT_EQ(RunLedgerctl(args + " --as-of-seq 2", &then), 0);
  EXPECT_THAT(then, HasSubstr(R"("available": 940, "held": 0)"));
  std::string now;
  ASSERT_EQ(RunLedgerctl(args, &now), 0);
  EXPECT_THAT(now, HasSubstr(R"("available": 800, "held": 100)"));
  std::string at_head;
  ASSERT_EQ(RunLedgerctl(args + " --as-of-seq 5", &at_head), 0);
  EXPECT_EQ(at_head, now) << "the rebuilt state is the stored one";
}

TEST_F(AuditCli, BalanceAsOfSeqBeforeTheCustomerExistedFails) {
  EXPECT_THAT(Run("balance --db " + db_ + " --customer c2 --as-of-seq 2", 1),
              HasSubstr("unknown customer 'c2' at seq 2"));
  Run("balance --db " + db_ + " --customer c1 --as-of-seq 9", 1);
}

TEST_F(AuditCli, BalanceAsOfSeqRefusesALogThatFailsItsChecksUpToN) {
  {
    RawLog raw(db_);
    std::string value = raw.Get(2);
    value.back() ^= 0x01;
    raw.Put(2, value);
  }
  std::string out;
  ASSERT_EQ(RunLedgerctl("balance --db " + db_ + " --customer c1 --as-of-seq 1", &out), 0);
  EXPECT_THAT(Run("balance --db " + db_ + " --customer c1 --as-of-seq 3", 1),
              HasSubstr("event 2: hash chain broken"));
}

}  // namespace
}  // namespace ledger::testing
