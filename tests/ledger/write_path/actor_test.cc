// docs/contract.md section 16 through the library: every accepted event
// records its actor (Options::actor, or per command with SubmitBatchAs) and
// the writer's clock when it was accepted; clients cannot set either; a
// retry by another actor is still a duplicate; both survive export, import
// and replay; four eyes refuses a refund's requester as its reviewer.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/rules/command_validation.h"
#include "ledger/time_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::RunLedgerctl;
using testing::TempDir;
using testing::TestLedger;

const int64_t kClockUs = *ParseTimeUs("2026-12-06T09:00:00Z");

Options ActorAndClock(const std::string& actor) {
  Options options;
  options.actor = actor;
  options.clock = [] { return kClockUs; };
  return options;
}

std::string Purchase(const std::string& key, const std::string& id) {
  return absl::StrCat(
      R"({"key":")", key,
      R"(","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":")",
      id, R"(","credits":100,"amount_minor":1000,"currency":"USD"}})");
}

v1::Command Parsed(const std::string& json) {
  absl::StatusOr<v1::Command> c = ParseCommandJson(json);
  EXPECT_TRUE(c.ok()) << json;
  return c.ok() ? *c : v1::Command();
}

std::vector<v1::Event> Events(Ledger& db) {
  std::vector<v1::Event> out;
  EXPECT_TRUE(db.ReadEvents(1, [&](const v1::Event& e) {
                  out.push_back(e);
                  return true;
                }).ok());
  return out;
}

TEST(Actor, EveryAcceptedEventRecordsTheOptionsActorAndTheWritersClock) {
  TestLedger db(ActorAndClock("alice"));
  ASSERT_EQ(db.Code(Purchase("k1", "p1")), "ACCEPTED");
  const std::vector<v1::Event> events = Events(*db);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].header().actor(), "alice");
  EXPECT_EQ(events[0].header().recorded_at_us(), kClockUs);
}

TEST(Actor, SubmitBatchAsRecordsEachCommandsOwnActor) {
  TestLedger db(ActorAndClock("unused"));
  const std::vector<v1::Command> commands = {Parsed(Purchase("k1", "p1")),
                                             Parsed(Purchase("k2", "p2"))};
  const std::vector<std::string> actors = {"billing", "support"};
  absl::StatusOr<std::vector<SubmitResult>> r = db->SubmitBatchAs(commands, actors);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::vector<v1::Event> events = Events(*db);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].header().actor(), "billing");
  EXPECT_EQ(events[1].header().actor(), "support");
  // One actor per command, each bounded like an id.
  EXPECT_TRUE(absl::IsInvalidArgument(
      db->SubmitBatchAs(commands, std::vector<std::string>{"one"}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      db->SubmitBatchAs(commands, std::vector<std::string>{std::string(65, 'x'), "b"})
          .status()));
}

TEST(Actor, ARetryByAnotherActorIsADuplicateOfTheFirstAcceptance) {
  TestLedger db(ActorAndClock("alice"));
  const std::vector<v1::Command> one = {Parsed(Purchase("k1", "p1"))};
  ASSERT_TRUE(db->SubmitBatchAs(one, std::vector<std::string>{"alice"}).ok());
  absl::StatusOr<std::vector<SubmitResult>> again =
      db->SubmitBatchAs(one, std::vector<std::string>{"bob"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)[0].outcome, Outcome::kDuplicate);
  EXPECT_EQ((*again)[0].seq, 1u);
  EXPECT_EQ(Events(*db).size(), 1u);
}

TEST(Actor, AClientSuppliedActorOrRecordedAtIsInvalidCommand) {
  TestLedger db(ActorAndClock("alice"));
  const std::string base = Purchase("k1", "p1");
  const std::string with_actor =
      absl::StrCat(base.substr(0, base.size() - 1), R"(,"actor":"mallory"})");
  const std::string with_recorded = absl::StrCat(
      base.substr(0, base.size() - 1), R"(,"recorded_at":"2026-03-08T10:00:00Z"})");
  SubmitResult r = db.Json(with_actor);
  EXPECT_EQ(r.code, v1::INVALID_COMMAND);
  EXPECT_NE(r.message.find("set by the ledger"), std::string::npos) << r.message;
  EXPECT_EQ(db.Code(with_recorded), "INVALID_COMMAND");
  EXPECT_TRUE(Events(*db).empty());
}

TEST(Actor, AnActorLongerThanAnIdIsRefusedByOpen) {
  TempDir dir;
  Options options;
  options.actor = std::string(65, 'a');
  EXPECT_TRUE(absl::IsInvalidArgument(
      Ledger::Open(options, dir.path() + "/db").status()));
}

TEST(Actor, FourEyesRefusesTheRequesterAsReviewerAndLetsAnotherActorApprove) {
  TestLedger db(ActorAndClock("admin"));
  ASSERT_EQ(db.Code(R"({"key":"pol","at":"2026-03-01T00:00:00Z","set_policy":)"
                    R"({"version":"fe","refund_window_hours":168,)"
                    R"("inquiry_window_hours":168,"four_eyes":true}})"),
            "ACCEPTED");
  ASSERT_EQ(db.Code(Purchase("k1", "p1")), "ACCEPTED");
  auto as = [&](const std::string& actor, const std::string& json) {
    absl::StatusOr<std::vector<SubmitResult>> r =
        db->SubmitBatchAs(std::vector<v1::Command>{Parsed(json)},
                          std::vector<std::string>{actor});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? (*r)[0] : SubmitResult();
  };
  const std::string request =
      R"({"key":"k2","customer":"c1","at":"2026-03-08T10:05:00Z","request_refund":{"refund_id":"r1","purchase_id":"p1"}})";
  const std::string approve =
      R"({"key":"k3","customer":"c1","at":"2026-03-08T10:06:00Z","approve_refund":{"refund_id":"r1"}})";
  EXPECT_EQ(as("alice", request).outcome, Outcome::kAccepted);
  SubmitResult same = as("alice", approve);
  EXPECT_EQ(same.code, v1::SAME_ACTOR) << same.message;
  EXPECT_NE(same.message.find("alice"), std::string::npos) << same.message;
  EXPECT_EQ(as("bob", approve).outcome, Outcome::kAccepted);
}

// Writes events by two actors, exports them, imports the export into a new
// ledger and replays both: the actors and recording times are the same
// bytes in both, and replay judges them again.
TEST(Actor, ActorAndRecordedAtSurviveExportImportAndReplay) {
  TestLedger db(ActorAndClock("alice"));
  ASSERT_EQ(db.Code(Purchase("k1", "p1")), "ACCEPTED");
  ASSERT_TRUE(db->SubmitBatchAs(std::vector<v1::Command>{Parsed(
                                    R"({"key":"k2","customer":"c1","use":{"usage_id":"u1","category":"TELEPHONY_USAGE","credits":5}})")},
                                std::vector<std::string>{"call-worker"})
                  .ok());
  const std::vector<v1::Event> before = Events(*db);
  ASSERT_EQ(before.size(), 2u);
  db.Close();
  TempDir work;
  const std::string exported = work.path() + "/export.jsonl";
  const std::string copy = work.path() + "/copy";
  std::string out;
  ASSERT_EQ(RunLedgerctl(absl::StrCat("export --format jsonl --db ", db.dir(), " > ", exported), &out), 0);
  ASSERT_EQ(RunLedgerctl(absl::StrCat("import --db ", copy, " ", exported), &out), 0) << out;
  ASSERT_EQ(RunLedgerctl(absl::StrCat("replay --db ", copy), &out), 0) << out;
  ASSERT_EQ(RunLedgerctl(absl::StrCat("tail --db ", copy), &out), 0);
  EXPECT_NE(out.find(R"("actor": "call-worker")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("recorded_at": "2026-12-06T09:00:00Z")"), std::string::npos) << out;
  absl::StatusOr<std::unique_ptr<Ledger>> imported = Ledger::Open(Options(), copy);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const std::vector<v1::Event> after = Events(**imported);
  ASSERT_EQ(after.size(), 2u);
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].header().actor(), before[i].header().actor()) << i;
    EXPECT_EQ(after[i].header().recorded_at_us(), before[i].header().recorded_at_us()) << i;
  }
  EXPECT_EQ(after[1].header().actor(), "call-worker");
}

}  // namespace
}  // namespace ledger
