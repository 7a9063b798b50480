// Audits in bounded memory (ledger/audit_memory.h, docs/audit.md,
// "Memory"): with the budget at its floor, replay and the liability report
// over a log whose usages and keys need more put them in a scratch
// database, and give the very report they give with every usage held, on a
// good log and on a damaged one; the scratch folder is gone afterwards.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/audit_memory.h"
#include "ledger/liability.h"
#include "ledger/replay.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/time_util.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::RawLog;
using testing::TempDir;
using testing::TestLedger;

// 6 000 events: ten purchases and 5 990 uses (5 990 usages and 6 000 keys:
// several times what the floor of the budget holds on one or two threads),
// then compensations of the first usages, which bring spilled usages back.
constexpr int kEvents = 6000;
constexpr int kCompensations = 20;

void WriteLongHistory(TestLedger& db) {
  db.WriteManyEvents(kEvents);
  for (int i = 0; i < kCompensations; ++i) {
    const int usage = 11 + i;  // u11.. belong to customers c1, c2, ...
    SubmitResult r = db.Json(absl::StrCat(
        R"({"key":"comp-)", i, R"(","customer":"c)", usage % 10,
        R"(","at":"2026-03-08T12:00:00Z","compensate":{"adjustment_id":"a)", i,
        R"(","usage_id":"u)", usage,
        R"(","credits":1,"verified_by":"support:alice"}})"));
    ASSERT_EQ(testing::OutcomeName(r), "ACCEPTED") << i;
  }
  db.Close();
}

ReplayReport Replay(const std::string& dir, int threads, size_t budget,
                    const std::string& scratch_parent = "") {
  ReplayOptions options;
  options.threads = threads;
  options.memory.budget_bytes = budget;
  options.memory.scratch_parent = scratch_parent;
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir, options);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.value_or(ReplayReport());
}

void ExpectSameReport(const ReplayReport& bounded, const ReplayReport& held) {
  EXPECT_EQ(bounded.ok, held.ok);
  EXPECT_EQ(bounded.events, held.events);
  EXPECT_EQ(bounded.customers, held.customers);
  EXPECT_EQ(bounded.first_bad_seq, held.first_bad_seq);
  EXPECT_EQ(bounded.problem, held.problem);
  EXPECT_EQ(bounded.last_seq, held.last_seq);
  EXPECT_EQ(bounded.full, held.full);
}

constexpr size_t kEverythingHeld = size_t{4} << 30;

TEST(BoundedAudit, ReplayAtTheFloorOfTheBudgetGivesTheReportOfReplayHoldingEverything) {
  TestLedger db;
  WriteLongHistory(db);
  TempDir scratch;
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    ReplayReport held = Replay(db.dir(), threads, kEverythingHeld);
    ReplayReport bounded =
        Replay(db.dir(), threads, kMinAuditMemoryBytes, scratch.path());
    EXPECT_TRUE(held.ok) << held.problem;
    EXPECT_EQ(held.events, static_cast<uint64_t>(kEvents + kCompensations));
    ExpectSameReport(bounded, held);
    // The scratch folder was made (the history needed it) and removed.
    EXPECT_TRUE(std::filesystem::is_empty(scratch.path()));
  }
}

TEST(BoundedAudit, ReplayAtTheFloorOfTheBudgetFindsWhatReplayHoldingEverythingFinds) {
  TestLedger db;
  WriteLongHistory(db);
  const std::string early_usage = UsageKey("c1", "u21");  // spilled early
  const std::string compensated = UsageKey("c1", "u11");  // read back
  std::string usage_value;
  for (const auto& [key, value] : RawLog(db.dir()).Entries(kStateFamily)) {
    if (key == early_usage) usage_value = value;
  }
  ASSERT_FALSE(usage_value.empty());
  struct Damage {
    std::string name;
    std::function<void(RawLog&)> apply;
    std::function<void(RawLog&)> undo;
  };
  std::string compensated_value;
  for (const auto& [key, value] : RawLog(db.dir()).Entries(kStateFamily)) {
    if (key == compensated) compensated_value = value;
  }
  ASSERT_FALSE(compensated_value.empty());
  const std::vector<Damage> damages = {
      {"an early usage changed",
       [&](RawLog& raw) { raw.PutRaw(kStateFamily, early_usage, usage_value + "\xa0\x06\x01"); },
       [&](RawLog& raw) { raw.PutRaw(kStateFamily, early_usage, usage_value); }},
      {"an early usage deleted",
       [&](RawLog& raw) { raw.DeleteRaw(kStateFamily, early_usage); },
       [&](RawLog& raw) { raw.PutRaw(kStateFamily, early_usage, usage_value); }},
      {"a compensated usage changed",
       [&](RawLog& raw) {
         raw.PutRaw(kStateFamily, compensated, compensated_value + "\xa0\x06\x01");
       },
       [&](RawLog& raw) { raw.PutRaw(kStateFamily, compensated, compensated_value); }},
      {"a usage with no event behind it",
       [&](RawLog& raw) { raw.PutRaw(kStateFamily, UsageKey("c1", "u0"), usage_value); },
       [&](RawLog& raw) { raw.DeleteRaw(kStateFamily, UsageKey("c1", "u0")); }},
      {"an event replaced by another's",
       [&](RawLog& raw) { raw.Put(3000, raw.Get(2990)); },
       [&](RawLog& raw) {}},
  };
  const std::string event_3000 = RawLog(db.dir()).Get(3000);
  for (const Damage& damage : damages) {
    SCOPED_TRACE(damage.name);
    {
      RawLog raw(db.dir());
      damage.apply(raw);
    }
    for (int threads : {1, 2}) {
      SCOPED_TRACE(threads);
      ReplayReport held = Replay(db.dir(), threads, kEverythingHeld);
      ReplayReport bounded = Replay(db.dir(), threads, kMinAuditMemoryBytes);
      EXPECT_FALSE(held.ok);
      ExpectSameReport(bounded, held);
    }
    RawLog raw(db.dir());
    damage.undo(raw);
    raw.Put(3000, event_3000);
  }
  EXPECT_TRUE(Replay(db.dir(), 2, kMinAuditMemoryBytes).ok);
}

TEST(BoundedAudit, ABudgetBelowTheFloorIsRefused) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  ReplayOptions options;
  options.memory.budget_bytes = kMinAuditMemoryBytes - 1;
  EXPECT_EQ(ReplayLedger(db.dir(), options).status().code(),
            absl::StatusCode::kInvalidArgument);
  AuditMemory memory;
  memory.budget_bytes = kMinAuditMemoryBytes - 1;
  EXPECT_EQ(LiabilityReportFor(db.dir(), 0, kMaxTimeUs, memory).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BoundedAudit, TheLiabilityReportAtTheFloorOfTheBudgetIsTheReportHoldingEverything) {
  TestLedger db;
  WriteLongHistory(db);
  TempDir scratch;
  AuditMemory floor;
  floor.budget_bytes = kMinAuditMemoryBytes;
  floor.scratch_parent = scratch.path();
  AuditMemory everything;
  everything.budget_bytes = kEverythingHeld;
  const int64_t from_us = 0;
  const int64_t to_us = kMaxTimeUs;
  absl::StatusOr<LiabilityReport> bounded =
      LiabilityReportFor(db.dir(), from_us, to_us, floor);
  absl::StatusOr<LiabilityReport> held =
      LiabilityReportFor(db.dir(), from_us, to_us, everything);
  ASSERT_TRUE(bounded.ok()) << bounded.status();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(bounded->events_read, held->events_read);
  EXPECT_EQ(bounded->events_in_period, held->events_in_period);
  ASSERT_EQ(bounded->units.size(), held->units.size());
  for (size_t i = 0; i < held->units.size(); ++i) {
    const LiabilityRow& a = bounded->units[i];
    const LiabilityRow& b = held->units[i];
    SCOPED_TRACE(b.unit);
    EXPECT_EQ(a.unit, b.unit);
    EXPECT_TRUE(a.opening == b.opening && a.granted == b.granted &&
                a.used == b.used && a.expired == b.expired &&
                a.forfeited == b.forfeited && a.voided == b.voided &&
                a.refunded == b.refunded && a.charged_back == b.charged_back &&
                a.closing == b.closing &&
                a.refund_rounding == b.refund_rounding);
  }
  EXPECT_TRUE(CheckLiabilityIdentity(*bounded).ok());
  EXPECT_TRUE(std::filesystem::is_empty(scratch.path()));
}

}  // namespace
}  // namespace ledger
