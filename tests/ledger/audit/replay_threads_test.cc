// Replay folds customers on several threads (ReplayOptions::threads,
// ledger/audit/replay.cc): whatever the count, the report is the one a
// single thread gives, on a good log and on every kind of damage, and the
// first problem in log order is the one named even when another thread
// finds a later one first. The log interleaves set_policy events with
// customers' commands dated after them but logged before them, so a thread
// that saw a policy version too early or too late would judge a command
// under another version than the stored one.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/audit/rebuild_state.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/rules/command_validation.h"
#include "ledger/storage/storage_layout.h"
#include "ledger/v1/event.pb.h"
#include "tests/tamper_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;
using testing::RawLog;
using testing::TempDir;
using testing::TestLedger;

constexpr int kCustomers = 12;
// Thread counts compared with 1: more threads than customers too.
constexpr int kThreadCounts[] = {2, 3, 4, 5, 7, 16};

// "2026-03-08T10:00:00Z" plus `minutes`.
std::string At(int minutes) {
  return absl::StrFormat("2026-03-%02dT%02d:%02d:00Z", 8 + minutes / 1440,
                         minutes / 60 % 24, minutes % 60);
}

// About 2 000 events over twelve customers (several of replay's batches):
// purchases, uses, holds and captures, refund requests under windows that
// change, and a set_policy every 97 commands dated half an hour before the
// command logged just before it (so other customers' later-dated commands
// sit before it in the log and were judged under the version before it).
void WriteInterleavedLog(TestLedger& db) {
  std::vector<std::string> lines;
  for (int c = 0; c < kCustomers; ++c) {
    lines.push_back(absl::StrCat(
        R"({"key":"open-)", c, R"(","customer":"c)", c, R"(","at":")", At(0),
        R"(","purchase":{"purchase_id":"p0","credits":1000000,"amount_minor":1999,"currency":"USD"}})"));
  }
  int policies = 0;
  for (int i = 1; i <= 2000; ++i) {
    const int c = (i * 7) % kCustomers;
    const std::string head = absl::StrCat(R"({"key":"k)", i, R"(","customer":"c)",
                                          c, R"(","at":")", At(60 + i), R"(",)");
    if (i % 97 == 0) {
      ++policies;
      lines.push_back(absl::StrCat(
          R"({"key":"k)", i, R"(","at":")", At(30 + i),
          R"(","set_policy":{"version":"v)", policies,
          R"(","refund_window_hours":)", policies % 2 == 1 ? 0 : 720,
          R"(,"inquiry_window_hours":24}})"));
    } else if (i % 13 == 0) {
      lines.push_back(absl::StrCat(
          head, R"("purchase":{"purchase_id":"p)", i,
          R"(","credits":500,"amount_minor":999,"currency":"USD"}})"));
    } else if (i % 13 == 12) {
      // The customer's lot bought 12 commands ago (customer c's commands
      // are 12 apart): refused while a 0-hour window is in force.
      lines.push_back(absl::StrCat(head, R"("request_refund":{"refund_id":"r)", i,
                                   R"(","purchase_id":"p)", i - 12, R"("}})"));
    } else if (i % 11 == 0) {
      lines.push_back(absl::StrCat(head, R"("hold":{"hold_id":"h)", i,
                                   R"(","credits":40,"expires_at":")",
                                   At(60 + i + 600), R"("}})"));
    } else if (i % 11 == 1 && i > 12) {
      lines.push_back(absl::StrCat(
          head, R"("capture":{"hold_id":"h)", i - 12, R"(","usage_id":"uh)", i,
          R"(","category":"TELEPHONY_USAGE","credits":25}})"));
    } else {
      lines.push_back(absl::StrCat(head, R"("use":{"usage_id":"u)", i,
                                   R"(","category":"AI_PROCESSING","credits":3}})"));
    }
  }
  absl::StatusOr<std::vector<SubmitResult>> results = db->SubmitJsonBatch(lines);
  ASSERT_TRUE(results.ok()) << results.status();
  int accepted = 0;
  for (const SubmitResult& r : *results) {
    // Invalid would mean a mistake in this test's JSON.
    ASSERT_NE(r.code, v1::INVALID_COMMAND) << r.message;
    accepted += r.outcome == Outcome::kAccepted;
  }
  ASSERT_GT(accepted, 3 * 512) << "the log must span several batches";
  ASSERT_LT(accepted, static_cast<int>(lines.size()))
      << "some refunds must be refused under the 0-hour windows";
  db.Close();
}

ReplayReport ReplayWith(const std::string& dir, int threads,
                        ReplayOptions options = ReplayOptions()) {
  options.threads = threads;
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir, options);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : ReplayReport();
}

std::string Describe(const ReplayReport& r) {
  return absl::StrCat("ok=", r.ok, " full=", r.full, " events=", r.events,
                      " customers=", r.customers, " last_seq=", r.last_seq,
                      " first_bad_seq=", r.first_bad_seq, " problem='",
                      r.problem, "'");
}

// Every thread count gives the report one thread gives.
void ExpectSameReportWithAnyThreads(const std::string& dir,
                                    const ReplayOptions& options,
                                    const ReplayReport& one) {
  for (int threads : kThreadCounts) {
    EXPECT_EQ(Describe(ReplayWith(dir, threads, options)), Describe(one))
        << threads << " threads";
  }
}

// A copy of the folder, to damage while the original stays good.
std::string CopyOf(const std::string& dir, const TempDir& into) {
  std::filesystem::copy(dir, into.path(), std::filesystem::copy_options::recursive |
                                              std::filesystem::copy_options::overwrite_existing);
  return into.path();
}

class ReplayThreads : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteInterleavedLog(db_);
    head_ = ReplayWith(db_.dir(), 1).last_seq;
  }
  // The seq and customer of each event, read from the log.
  std::vector<v1::Event> Events() {
    RawLog raw(db_.dir());
    std::vector<v1::Event> events(1);  // events[seq]
    std::string prev(kHashBytes, '\0');
    for (uint64_t seq = 1; seq <= head_; ++seq) {
      v1::Event& e = events.emplace_back();
      const std::string value = raw.Get(seq);
      EXPECT_TRUE(e.ParseFromString(value.substr(kHashBytes)));
      EXPECT_TRUE(RestoreDerivedHeader(e, prev).ok());  // key, customer
      prev = value.substr(0, kHashBytes);
    }
    return events;
  }
  // The first event at or after `from` of a kind `pick` likes.
  template <typename Pick>
  uint64_t FirstFrom(const std::vector<v1::Event>& events, uint64_t from, Pick pick) {
    for (uint64_t seq = from; seq < events.size(); ++seq) {
      if (pick(events[seq])) return seq;
    }
    ADD_FAILURE() << "no such event after " << from;
    return 0;
  }

  TestLedger db_;
  uint64_t head_ = 0;
};

TEST_F(ReplayThreads, AGoodInterleavedLogGivesTheSameCleanReportWithAnyThreads) {
  ReplayReport one = ReplayWith(db_.dir(), 1);
  ASSERT_TRUE(one.ok) << one.problem;
  EXPECT_TRUE(one.full);
  EXPECT_EQ(one.customers, static_cast<uint64_t>(kCustomers));
  EXPECT_GT(one.events, 3u * 512);
  ExpectSameReportWithAnyThreads(db_.dir(), ReplayOptions(), one);
  // The default (one per core) too.
  EXPECT_EQ(Describe(ReplayWith(db_.dir(), 0)), Describe(one));
}

TEST_F(ReplayThreads, APartialReplayRebuildsTheSameStateWithAnyThreads) {
  auto encoded = [&](int threads) {
    ReplayOptions options;
    options.until_seq = head_ / 2 + 3;
    options.threads = threads;
    absl::StatusOr<std::unique_ptr<LedgerState>> state =
        RebuildState(db_.dir(), options);
    EXPECT_TRUE(state.ok()) << state.status();
    std::vector<std::pair<std::string, std::string>> entries;
    if (state.ok()) {
      EXPECT_EQ((*state)->last_seq, head_ / 2 + 3);
      EncodeState(**state, [&](std::string key, std::string value) {
        entries.emplace_back(std::move(key), std::move(value));
      });
    }
    std::sort(entries.begin(), entries.end());
    return entries;
  };
  const auto one = encoded(1);
  ASSERT_GT(one.size(), static_cast<size_t>(kCustomers));
  for (int threads : kThreadCounts) {
    EXPECT_TRUE(encoded(threads) == one) << threads << " threads";
  }
}

TEST_F(ReplayThreads, ProgressCountsEveryEventOnceInOrderWithAnyThreads) {
  for (int threads : {1, 3}) {
    std::vector<uint64_t> done;
    ReplayOptions options;
    options.progress = [&](uint64_t n, uint64_t total) {
      done.push_back(n);
      EXPECT_EQ(total, head_);
    };
    ASSERT_TRUE(ReplayWith(db_.dir(), threads, options).ok);
    ASSERT_EQ(done.size(), head_) << threads << " threads";
    for (size_t i = 0; i < done.size(); ++i) ASSERT_EQ(done[i], i + 1);
  }
}

TEST_F(ReplayThreads, EveryKindOfDamageGivesTheSameReportWithAnyThreads) {
  const std::vector<v1::Event> events = Events();
  const uint64_t use_late = FirstFrom(events, head_ - 300, [](const v1::Event& e) {
    return e.command().has_use();
  });
  const uint64_t policy = FirstFrom(events, 200, [](const v1::Event& e) {
    return e.command().has_set_policy();
  });
  struct Damage {
    std::string name;
    std::function<void(RawLog&)> apply;
  };
  const std::vector<Damage> damages = {
      {"a flipped byte in an event",
       [&](RawLog& raw) {
         std::string v = raw.Get(head_ / 2);
         v.back() ^= 0x01;
         raw.Put(head_ / 2, v);
       }},
      {"a forged use, the chain recomputed",
       [&](RawLog& raw) {
         raw.RewriteFrom(use_late, head_, [](v1::Event& e) {
           e.mutable_header()->set_policy_version("forged");
         });
       }},
      {"a forged policy version, the chain recomputed",
       [&](RawLog& raw) {
         raw.RewriteFrom(policy, head_, [](v1::Event& e) {
           e.mutable_effects(0)->mutable_policy_set()->mutable_policy()
               ->set_refund_window_hours(9999);
         });
       }},
      {"an event deleted",
       [&](RawLog& raw) { raw.Delete(head_ - 700); }},
      {"the head changed",
       [&](RawLog& raw) { raw.PutHead(head_ - 1, std::string(kHashBytes, 'x')); }},
      {"an idempotency record deleted",
       [&](RawLog& raw) { raw.DeleteKeyRecord("k500"); }},
      {"a projection changed",
       [&](RawLog& raw) {
         auto entries = raw.Entries(kStateFamily);
         auto& [key, value] = entries[entries.size() / 2];
         raw.PutState(key, value + '\x01');
       }},
      {"a projection deleted",
       [&](RawLog& raw) {
         auto entries = raw.Entries(kStateFamily);
         raw.DeleteState(entries[entries.size() / 3].first);
       }},
  };
  for (const Damage& damage : damages) {
    SCOPED_TRACE(damage.name);
    TempDir copy;
    const std::string dir = CopyOf(db_.dir(), copy);
    {
      RawLog raw(dir);
      damage.apply(raw);
    }
    ReplayReport one = ReplayWith(dir, 1);
    EXPECT_FALSE(one.ok);
    EXPECT_FALSE(one.problem.empty());
    ExpectSameReportWithAnyThreads(dir, ReplayOptions(), one);
    ReplayOptions partial;
    partial.until_seq = head_ - 1;
    ExpectSameReportWithAnyThreads(dir, partial, ReplayWith(dir, 1, partial));
  }
}

// Two forged events of different customers: whichever thread finds its own
// first, the earlier in the log is the one named, and the rebuild stopped
// just before it.
TEST_F(ReplayThreads, TheFirstProblemInLogOrderIsNamedWhicheverThreadFindsOneFirst) {
  const std::vector<v1::Event> events = Events();
  const uint64_t early = FirstFrom(events, 600, [](const v1::Event& e) {
    return e.command().has_use();
  });
  const std::string early_customer = events[early].header().customer();
  const uint64_t late = FirstFrom(events, early + 1, [&](const v1::Event& e) {
    return e.command().has_use() && e.header().customer() != early_customer;
  });
  {
    RawLog raw(db_.dir());
    for (uint64_t seq : {late, early}) {
      raw.RewriteFrom(seq, head_, [](v1::Event& e) {
        e.mutable_header()->set_policy_version("forged");
      });
    }
  }
  for (int threads : {1, 2, 3, 4, 7, 16}) {
    ReplayReport report = ReplayWith(db_.dir(), threads);
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_seq, early) << threads << " threads";
    EXPECT_EQ(report.last_seq, early - 1) << threads << " threads";
    EXPECT_EQ(report.events, early - 1) << threads << " threads";
    EXPECT_THAT(report.problem, HasSubstr("other effects or postings"));
    EXPECT_EQ(report.customers, 0u) << "a failed fold reports no customers";
  }
}

// One event with two problems that different threads judge (its key is
// another event's, its effects are forged): the key's, checked first by a
// single thread, is the one named. Three such events, each in a copy of the
// log, so that with some thread count the key's worker comes after the
// customer's.
TEST_F(ReplayThreads, TwoProblemsInOneEventAreNamedInTheOrderOneThreadChecksThem) {
  const std::vector<v1::Event> events = Events();
  const std::string earlier_key = events[20].header().key();
  uint64_t from = 900;
  for (int copy_number = 0; copy_number < 3; ++copy_number) {
    const uint64_t seq = FirstFrom(events, from, [](const v1::Event& e) {
      return e.command().has_use();
    });
    from = seq + 97;
    SCOPED_TRACE(absl::StrCat("event ", seq));
    TempDir copy;
    const std::string dir = CopyOf(db_.dir(), copy);
    {
      RawLog raw(dir);
      raw.RewriteFrom(seq, head_, [&](v1::Event& e) {
        e.mutable_command()->set_key(earlier_key);
        e.mutable_header()->set_policy_version("forged");
      });
    }
    ReplayReport one = ReplayWith(dir, 1);
    EXPECT_FALSE(one.ok);
    EXPECT_EQ(one.first_bad_seq, seq);
    EXPECT_THAT(one.problem, HasSubstr("used twice"));
    ExpectSameReportWithAnyThreads(dir, ReplayOptions(), one);
  }
}

TEST(ReplayThreadsOption, OutOfRangeIsRefused) {
  TestLedger db;
  db.WriteFourEventsAndClose();
  for (int threads : {-1, kMaxReplayThreads + 1}) {
    ReplayOptions options;
    options.threads = threads;
    absl::StatusOr<ReplayReport> report = ReplayLedger(db.dir(), options);
    EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument)
        << threads;
  }
}

}  // namespace
}  // namespace ledger
