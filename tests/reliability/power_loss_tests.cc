// The power-loss test (docs/reliability.md, "Power loss"): writers of every
// kind submit to a ledger on the power-loss model (power_loss_fs.h), the
// power goes at a random moment (while it opens and recovers, mid-group,
// mid-flush, mid-compaction), the disk is rewritten as the cut left it, and
// the ledger is reopened on what survived. Every round checks:
// - replay passes: nothing is half-applied, the hash chain holds;
// - every acknowledged acceptance (this round's and every earlier one's)
//   is in the log under its seq; no acknowledged rejection is;
// - the log is a prefix of what was committed: an answered acceptance is
//   in the log exactly when its seq is not past the log's end, and nothing
//   else of the round is there (a group is there whole or not at all);
// - resubmitting every acknowledged acceptance answers duplicate with its
//   seq and writes nothing.
// An answer counts as acknowledged only when the writer saw the power still
// on after its call returned: an answer given after the cut never reached
// anyone.
//
// LEDGER_POWER_LOSS_SEED (default below) and LEDGER_POWER_LOSS_ROUNDS
// (default 12, about ten seconds; the `slow` ctest entry runs 1000) come from
// the environment. It prints one line, `power-loss rounds: N,
// acknowledged: A, lost: L`, and fails when L is not 0;
// LEDGER_POWER_LOSS_VERBOSE=1 adds a line of what the cuts hit.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "google/protobuf/util/message_differencer.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/rules/command_validation.h"
#include "ledger/storage/store.h"
#include "ledger/write_path/open_with_env.h"
#include "tests/reliability/crash_workload.h"
#include "tests/reliability/power_loss_fs.h"
#include "tests/reliability/reliability_util.h"
#include "tests/test_util.h"

namespace ledger {
namespace {

using testing::CrashCommand;
using testing::kCrashThreads;
using testing::KeysInLog;
using testing::PowerCutDamage;
using testing::PowerLossFileSystem;
using testing::TempDir;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

// The ways a command reaches the ledger, one per writer thread.
enum class Writer {
  kSubmitJson,       // one JSON command per call
  kSubmit,           // one v1::Command per call
  kSubmitBatch,      // 1-16 v1::Commands per call: one group
  kApplyPath,        // 1-32 JSON lines per SubmitJsonBatch, as `apply` commits
};
static_assert(kCrashThreads == 4, "one writer of each kind");

Writer WriterOf(int thread) { return static_cast<Writer>(thread); }

// The most commands one writer submits in a round.
constexpr int kMaxCommandsPerWriter = 2000;
// A fresh ledger every this many rounds, so replay stays short.
constexpr int kRoundsPerLedger = 25;

struct Answer {
  std::string command;  // the JSON sent
  std::string key;
  bool accepted = false;
  uint64_t seq = 0;
  bool acknowledged = false;  // the power was on when the call returned
};

struct WriterResult {
  std::vector<Answer> answers;
  std::string error;  // a call that failed
};

absl::StatusOr<std::vector<SubmitResult>> Call(Ledger& db, Writer kind,
                                               const std::vector<std::string>& json) {
  if (kind == Writer::kSubmitJson || kind == Writer::kApplyPath) {
    if (kind == Writer::kApplyPath) return db.SubmitJsonBatch(json);
    absl::StatusOr<SubmitResult> r = db.SubmitJson(json[0]);
    if (!r.ok()) return r.status();
    return std::vector<SubmitResult>{*r};
  }
  std::vector<v1::Command> commands;
  for (const std::string& line : json) {
    absl::StatusOr<v1::Command> c = ParseCommandJson(line);
    if (!c.ok()) return c.status();
    commands.push_back(*std::move(c));
  }
  if (kind == Writer::kSubmitBatch) return db.SubmitBatch(commands);
  absl::StatusOr<SubmitResult> r = db.Submit(commands[0]);
  if (!r.ok()) return r.status();
  return std::vector<SubmitResult>{*r};
}

void RunWriter(Ledger& db, PowerLossFileSystem& model, uint64_t seed,
               int round, int thread, WriterResult* out) {
  const Writer kind = WriterOf(thread);
  std::mt19937_64 rng(seed ^ (round * 7919u + thread));
  int i = 0;
  while (i < kMaxCommandsPerWriter) {
    int n = 1;
    if (kind == Writer::kSubmitBatch) n = 1 + static_cast<int>(rng() % 16);
    if (kind == Writer::kApplyPath) n = 1 + static_cast<int>(rng() % 32);
    std::vector<std::string> json;
    for (int j = 0; j < n; ++j) json.push_back(CrashCommand(seed, round, thread, i + j));
    absl::StatusOr<std::vector<SubmitResult>> results = Call(db, kind, json);
    const bool acknowledged = !model.IsCut();
    if (!results.ok()) {
      out->error = results.status().ToString();
      return;
    }
    for (int j = 0; j < n; ++j) {
      const SubmitResult& r = (*results)[j];
      Answer a;
      a.command = json[j];
      a.key = testing::CrashKey(round, thread, i + j);
      a.accepted = r.outcome == Outcome::kAccepted;
      a.seq = r.seq;
      a.acknowledged = acknowledged;
      if (r.outcome == Outcome::kDuplicate) {
        out->error = absl::StrCat(a.key, " answered duplicate on its first submit");
        return;
      }
      out->answers.push_back(std::move(a));
    }
    i += n;
    if (!acknowledged) return;  // the machine is off: its clients are gone
  }
}

struct Figures {
  int rounds = 0;
  uint64_t acknowledged = 0;  // answers given before the cut
  uint64_t lost = 0;          // acknowledged acceptances not in the log
  int cuts_while_opening = 0;
  int cuts_mid_group = 0;      // a WAL lost bytes written after its last sync
  int cuts_mid_table = 0;      // an SST file (flush or compaction) was open
  uint64_t answered_after_cut = 0;
  uint64_t after_cut_durable = 0;  // of those, found in the log
  uint64_t bytes_dropped = 0;
  int entries_removed = 0;
  int entries_restored = 0;
};

// Checks the reopened ledger against what the writers were told; counts
// lost acknowledged acceptances in `figures`. `acknowledged_all` holds the
// acknowledged acceptances of earlier rounds on this ledger and gets this
// round's.
void CheckRound(Ledger& db, int round, const std::vector<WriterResult>& writers,
                std::map<std::string, uint64_t>& acknowledged_all,
                Figures& figures) {
  std::string error;
  std::map<std::string, uint64_t> in_log = KeysInLog(db, &error);
  ASSERT_EQ(error, "");
  const uint64_t last_seq = db.LastSeq();
  ASSERT_EQ(last_seq, in_log.size());
  std::map<std::string, uint64_t> answered_accepted;
  for (const WriterResult& w : writers) {
    for (const Answer& a : w.answers) {
      if (a.acknowledged) ++figures.acknowledged;
      auto found = in_log.find(a.key);
      if (!a.accepted) {
        EXPECT_EQ(found, in_log.end()) << a.key << " was rejected but is in the log";
        continue;
      }
      answered_accepted[a.key] = a.seq;
      const bool there = found != in_log.end() && found->second == a.seq;
      if (a.acknowledged) {
        acknowledged_all[a.key] = a.seq;
        if (!there) {
          ++figures.lost;
          ADD_FAILURE() << "acknowledged " << a.key << " (seq " << a.seq
                        << ") is not in the log after the power cut";
        }
        continue;
      }
      // Answered after the cut: in the log exactly when the log reaches it.
      ++figures.answered_after_cut;
      if (there) ++figures.after_cut_durable;
      EXPECT_EQ(there, a.seq <= last_seq)
          << a.key << " (seq " << a.seq << ", log ends at " << last_seq
          << "): the log is not a prefix of what was committed";
      if (!there && found != in_log.end()) {
        ADD_FAILURE() << a.key << " is in the log at " << found->second
                      << ", answered " << a.seq;
      }
    }
  }
  // Nothing of this round is in the log that no writer was answered.
  const std::string prefix = absl::StrCat("r", round, "-");
  for (const auto& [key, seq] : in_log) {
    if (absl::StartsWith(key, prefix)) {
      EXPECT_EQ(answered_accepted.count(key), 1u)
          << key << " is in the log at " << seq << " but was never accepted";
    }
  }
  // Earlier rounds' acknowledgements still stand.
  for (const auto& [key, seq] : acknowledged_all) {
    if (absl::StartsWith(key, prefix)) continue;  // counted above
    auto it = in_log.find(key);
    if (it == in_log.end() || it->second != seq) {
      ++figures.lost;
      ADD_FAILURE() << "acknowledged " << key << " (seq " << seq
                    << ") vanished after a later power cut";
    }
  }
  // Resubmitting this round's acknowledged acceptances: duplicates.
  for (const WriterResult& w : writers) {
    for (const Answer& a : w.answers) {
      if (!a.accepted || !a.acknowledged) continue;
      absl::StatusOr<SubmitResult> r = db.SubmitJson(a.command);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->outcome, Outcome::kDuplicate) << a.key;
      EXPECT_EQ(r->seq, a.seq) << a.key;
    }
  }
  EXPECT_EQ(db.LastSeq(), last_seq) << "resubmitting wrote something";
}

TEST(PowerLoss, AcknowledgedCommandsSurviveEveryPowerCut) {
  const uint64_t seed = EnvOr("LEDGER_POWER_LOSS_SEED", 20261206);
  const int rounds = static_cast<int>(EnvOr("LEDGER_POWER_LOSS_ROUNDS", 12));
  std::mt19937_64 rng(seed);
  TempDir root;
  PowerLossFileSystem model(root.path());
  std::unique_ptr<rocksdb::Env> env = model.NewEnv();
  Figures figures;
  std::map<std::string, uint64_t> acknowledged_all;
  std::string dir;
  const auto started = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE(absl::StrCat("seed ", seed, " round ", round));
    if (round % kRoundsPerLedger == 0) {
      dir = absl::StrCat(root.path(), "/ledger-", round / kRoundsPerLedger);
      acknowledged_all.clear();
    }
    Options options;
    options.sync = true;
    // Every other round the writer keeps no customer between groups, so it
    // reads each one back from what survived.
    if (round % 2 == 1) options.state_cache_customers = 0;
    StoreTuning tuning;
    // Small memtables in most rounds: flushes and compactions run while
    // the writers write, and a cut falls in the middle of them.
    if (rng() % 4 != 0) tuning.write_buffer_bytes = 64 << 10;
    // In every third round of those, a small bound on the write-ahead log
    // too: RocksDB then flushes the quiet families (the head's, the
    // journal's) to let old WAL files go, and cuts meet those flushes.
    if (round % 3 == 2 && tuning.write_buffer_bytes != 0) {
      tuning.max_total_wal_bytes = 256 << 10;
    }
    // How the power goes: at one of the first syncs of the open (while it
    // recovers and flushes what the last cut left), inside a flush or
    // compaction (at an append to an SST file), mid-group (at an append to
    // the WAL, before its sync), or at a random time.
    const int how = static_cast<int>(rng() % 6);
    if (how == 0) model.CutAfterSyncs(1 + static_cast<int>(rng() % 12));
    if (how == 1 && tuning.write_buffer_bytes != 0) {
      model.CutAtTableAppend(1 + static_cast<int>(rng() % 60));
    }
    if (how == 2) model.CutAtWalAppend(1 + static_cast<int>(rng() % 400));

    std::vector<WriterResult> writers(kCrashThreads);
    {
      auto opened = OpenLedgerWithEnv(options, dir, env.get(), tuning);
      ASSERT_TRUE(opened.ok()) << opened.status();
      Ledger& db = **opened;
      if (model.IsCut()) {
        ++figures.cuts_while_opening;
      } else {
        std::vector<std::thread> threads;
        for (int t = 0; t < kCrashThreads; ++t) {
          threads.emplace_back(RunWriter, std::ref(db), std::ref(model), seed,
                               round, t, &writers[t]);
        }
        int wait_ms = rng() % 4 == 0 ? static_cast<int>(rng() % 5)
                                     : 5 + static_cast<int>(rng() % 150);
        // Unless an append cuts it first.
        if (how == 1 || how == 2) wait_ms = 400;
        for (int waited = 0; waited < wait_ms && !model.IsCut(); ++waited) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        model.PowerCut();
        for (std::thread& t : threads) t.join();
      }
      model.PowerCut();
      // The ledger runs on and closes on a machine that is already off:
      // nothing it writes from the cut on is durable.
      absl::Status closed = db.Close();
      ASSERT_TRUE(closed.ok()) << closed;
    }
    for (const WriterResult& w : writers) ASSERT_EQ(w.error, "");
    PowerCutDamage damage;
    absl::Status restored = model.Restore(&damage);
    ASSERT_TRUE(restored.ok()) << restored;
    model.Reset();  // the disk as the machine finds it when it boots
    if (damage.wal_files_with_unsynced > 0) ++figures.cuts_mid_group;
    if (damage.tables_in_progress > 0) ++figures.cuts_mid_table;
    figures.bytes_dropped += damage.bytes_dropped;
    figures.entries_removed += damage.entries_removed;
    figures.entries_restored += damage.entries_restored;

    absl::StatusOr<ReplayReport> report = ReplayLedger(dir);
    // A cut while the round's open was still creating a new ledger leaves
    // no ledger (docs/storage.md, "Creating a ledger"): the reopen below
    // creates it afresh, and nothing was acknowledged.
    const bool creation_cut = round % kRoundsPerLedger == 0 &&
                              writers[0].answers.empty() &&
                              absl::IsNotFound(report.status());
    if (!creation_cut) {
      ASSERT_TRUE(report.ok()) << report.status();
      ASSERT_TRUE(report->ok) << "replay after the cut: seq "
                              << report->first_bad_seq << ": " << report->problem;
    }
    auto reopened = OpenLedgerWithEnv(options, dir, env.get(), tuning);
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    CheckRound(**reopened, round, writers, acknowledged_all, figures);
    if (HasFatalFailure()) return;
    ASSERT_TRUE((*reopened)->Close().ok());
    ++figures.rounds;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "power-loss rounds: " << figures.rounds
            << ", acknowledged: " << figures.acknowledged
            << ", lost: " << figures.lost << std::endl;
  if (EnvOr("LEDGER_POWER_LOSS_VERBOSE", 0) != 0) {
    std::cerr << "power-loss seed " << seed << ": cuts while opening "
              << figures.cuts_while_opening << ", mid-group "
              << figures.cuts_mid_group << ", with an SST being written "
              << figures.cuts_mid_table << "; answered after the cut "
              << figures.answered_after_cut << " (in the log "
              << figures.after_cut_durable << "); bytes dropped "
              << figures.bytes_dropped << ", entries removed "
              << figures.entries_removed << ", restored "
              << figures.entries_restored << "; " << seconds << " s\n";
  }
  RecordProperty("acknowledged", static_cast<int>(figures.acknowledged));
  RecordProperty("cuts_mid_group", figures.cuts_mid_group);
  RecordProperty("cuts_mid_table", figures.cuts_mid_table);
  EXPECT_EQ(figures.lost, 0u);
  EXPECT_EQ(figures.rounds, rounds);
  EXPECT_GT(figures.acknowledged, static_cast<uint64_t>(rounds))
      << "the writers did too little work";
}

// A cluster replica (docs/cluster.md) applies its partition's stream with
// SubmitBatchAt, which stores the stream position of the last message in
// the same write as its effects, and restarts from AppliedPosition() + 1.
// Here the replica's apply loop runs on the power-loss model over an
// in-memory stream, the power goes at random moments, and after each cut
// the replica resumes from the position that survived. Checks: the
// position never goes back past an acknowledged apply; the ledger holds
// exactly the events of messages 1..AppliedPosition() (the position and
// its effects are durable together); and once the whole stream is applied,
// through every cut, the ledger's events equal those of a replica that
// never lost power. (The replica's real threads and its NATS reader are not
// run here: see docs/reliability.md.)
struct StreamMessage {
  std::vector<v1::Command> commands;
};

std::vector<StreamMessage> MakeStream(uint64_t seed, int messages) {
  std::mt19937_64 rng(seed);
  std::vector<int> next(kCrashThreads, 0);
  std::vector<StreamMessage> stream(messages);
  for (StreamMessage& m : stream) {
    const int t = static_cast<int>(rng() % kCrashThreads);
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int j = 0; j < n; ++j) {
      absl::StatusOr<v1::Command> c =
          ParseCommandJson(CrashCommand(seed, 0, t, next[t]++));
      EXPECT_TRUE(c.ok()) << c.status();
      m.commands.push_back(*std::move(c));
    }
  }
  return stream;
}

// Applies messages after the ledger's position, up to 8 per SubmitBatchAt
// (as the replica groups what was delivered), until the stream ends or the
// power is off. Returns the highest position acknowledged before the cut.
uint64_t ApplyStream(Ledger& db, PowerLossFileSystem& model,
                     const std::vector<StreamMessage>& stream, uint64_t seed,
                     std::string* error) {
  std::mt19937_64 rng(seed);
  uint64_t acknowledged = 0;
  for (uint64_t next = db.AppliedPosition() + 1; next <= stream.size();) {
    const uint64_t last = std::min<uint64_t>(stream.size(), next + rng() % 8);
    std::vector<v1::Command> commands;
    for (uint64_t m = next; m <= last; ++m) {
      for (const v1::Command& c : stream[m - 1].commands) commands.push_back(c);
    }
    absl::StatusOr<std::vector<SubmitResult>> r = db.SubmitBatchAt(commands, {}, last);
    const bool on = !model.IsCut();
    if (!r.ok()) {
      *error = r.status().ToString();
      return acknowledged;
    }
    if (!on) return acknowledged;
    acknowledged = last;
    next = last + 1;
  }
  return acknowledged;
}

std::vector<v1::Event> EventsOf(const Ledger& db) {
  std::vector<v1::Event> events;
  absl::Status s = db.ReadEvents(1, [&](const v1::Event& e) {
    events.push_back(e);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s;
  return events;
}

TEST(PowerLoss, AReplicaResumesFromItsAppliedPositionAfterAPowerCut) {
  const uint64_t seed = EnvOr("LEDGER_POWER_LOSS_SEED", 20261206);
  constexpr int kMessages = 400;
  const std::vector<StreamMessage> stream = MakeStream(seed, kMessages);
  // The replica that never loses power, and how many events messages
  // 1..m leave in it.
  TempDir reference_dir;
  std::vector<v1::Event> reference;
  std::vector<uint64_t> events_after(kMessages + 1, 0);
  {
    auto db = Ledger::Open(Options(), reference_dir.path());
    ASSERT_TRUE(db.ok()) << db.status();
    for (int m = 1; m <= kMessages; ++m) {
      ASSERT_TRUE((*db)->SubmitBatchAt(stream[m - 1].commands, {}, m).ok());
      events_after[m] = (*db)->LastSeq();
    }
    reference = EventsOf(**db);
  }

  TempDir root;
  PowerLossFileSystem model(root.path());
  std::unique_ptr<rocksdb::Env> env = model.NewEnv();
  const std::string dir = root.path() + "/p0";
  StoreTuning tuning;
  tuning.write_buffer_bytes = 64 << 10;
  std::mt19937_64 rng(seed);
  uint64_t acknowledged = 0;
  int cuts = 0;
  for (int cycle = 0; cycle < 50; ++cycle) {
    SCOPED_TRACE(absl::StrCat("seed ", seed, " cycle ", cycle));
    std::string error;
    uint64_t position = 0;
    bool done = false;
    // The power goes at one of the next 20 WAL appends (each apply is
    // one), or after a random time, whichever comes first: on a fast
    // machine the whole stream takes less than the time.
    model.CutAtWalAppend(1 + static_cast<int>(rng() % 20));
    {
      auto opened = OpenLedgerWithEnv(Options(), dir, env.get(), tuning);
      ASSERT_TRUE(opened.ok()) << opened.status();
      Ledger& db = **opened;
      position = db.AppliedPosition();
      ASSERT_GE(position, acknowledged) << "the applied position went back";
      ASSERT_EQ(db.LastSeq(), events_after[position])
          << "the position and the events it covers are not durable together";
      done = position == static_cast<uint64_t>(kMessages);
      if (!done) {
        uint64_t got = 0;
        // Both draws before the thread starts: rng is the main thread's.
        const auto applier_seed = rng();
        const int wait_ms = static_cast<int>(rng() % 60);
        std::thread applier(
            [&] { got = ApplyStream(db, model, stream, applier_seed, &error); });
        for (int waited = 0; waited < wait_ms && !model.IsCut(); ++waited) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        model.PowerCut();
        applier.join();
        acknowledged = std::max(acknowledged, got);
        ++cuts;
      }
      model.PowerCut();
      ASSERT_TRUE(db.Close().ok());
    }
    ASSERT_EQ(error, "");
    ASSERT_TRUE(model.Restore(nullptr).ok());
    model.Reset();
    if (done) break;
  }
  auto db = Ledger::Open(Options(), dir);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_EQ((*db)->AppliedPosition(), static_cast<uint64_t>(kMessages))
      << "the stream was not applied in 50 power cycles";
  const std::vector<v1::Event> resumed = EventsOf(**db);
  ASSERT_EQ(resumed.size(), reference.size());
  for (size_t i = 0; i < resumed.size(); ++i) {
    ASSERT_TRUE(google::protobuf::util::MessageDifferencer::Equals(resumed[i],
                                                                   reference[i]))
        << "event " << i + 1 << " differs from the replica that never lost power";
  }
  RecordProperty("cuts", cuts);
  EXPECT_GE(cuts, 2);
  db->reset();
  absl::StatusOr<ReplayReport> report = ReplayLedger(dir);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->problem;
}

}  // namespace
}  // namespace ledger
