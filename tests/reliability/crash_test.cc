// The crash test of docs/reliability.md,
// "Durability, atomicity, idempotency: the crash test": a child process
// (crash_child_main.cc) submits commands through the public API with sync on
// from kCrashThreads threads and reports each answer over a pipe once Submit
// returned; the parent SIGKILLs it at a random moment, reopens the ledger
// and checks, every round:
// - replay passes: nothing is half-applied, the hash chain holds;
// - every acknowledged acceptance of every round so far is in the log under
//   the same seq, and resubmitting it answers duplicate with that seq;
// - no acknowledged rejection is in the log;
// - each thread's durable commands are a prefix of what it submitted: the
//   accepted ones among those it was answered, plus at most the one it was
//   waiting for.
// Seeded (LEDGER_CRASH_SEED, default below; LEDGER_CRASH_ROUNDS, default
// 40), so a failing run reproduces; the seed is printed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/rejections.h"
#include "ledger/replay.h"
#include "tests/reliability/crash_workload.h"
#include "tests/reliability/reliability_util.h"
#include "tests/test_util.h"

extern char** environ;

namespace ledger {
namespace {

using testing::CrashCommand;
using testing::CrashKey;
using testing::kCrashThreads;
using testing::KeysInLog;
using testing::StateCacheName;
using testing::StateCacheSizes;
using testing::TempDir;
using testing::WithStateCache;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

// One answer the child reported.
struct Answer {
  bool accepted = false;
  uint64_t seq = 0;
  std::string code;
};

struct Child {
  pid_t pid = -1;
  int report_fd = -1;
  std::string buffer;  // bytes read, not yet split into lines
  bool reaped = false;
  // A child left running by a failed assertion is killed, not orphaned.
  ~Child() {
    if (pid > 0 && !reaped) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (report_fd >= 0) close(report_fd);
  }
};

void Spawn(const std::string& dir, uint64_t seed, int round,
           size_t cache_customers, Child& child) {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // Close the read end first: it may itself be descriptor 3.
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 3);
  const std::string seed_arg = std::to_string(seed);
  const std::string round_arg = std::to_string(round);
  const std::string max_arg = std::to_string(1 << 30);
  const std::string cache_arg = std::to_string(cache_customers);
  std::vector<char*> argv = {const_cast<char*>(LEDGER_CRASH_CHILD_PATH),
                             const_cast<char*>(dir.c_str()),
                             const_cast<char*>(seed_arg.c_str()),
                             const_cast<char*>(round_arg.c_str()),
                             const_cast<char*>(max_arg.c_str()),
                             const_cast<char*>(cache_arg.c_str()), nullptr};
  if (posix_spawn(&child.pid, LEDGER_CRASH_CHILD_PATH, &actions, nullptr,
                  argv.data(), environ) != 0) {
    std::abort();
  }
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  child.report_fd = fds[0];
}

// Reads what the child wrote within `timeout_ms`; false at end of file.
bool ReadSome(Child& child, int timeout_ms) {
  pollfd p{child.report_fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return true;
  char buf[65536];
  ssize_t n = read(child.report_fd, buf, sizeof buf);
  if (n <= 0) return false;
  child.buffer.append(buf, static_cast<size_t>(n));
  return true;
}

struct RoundFigures {
  int acknowledged = 0;          // answers reported by the child
  int accepted = 0;              // of which acceptances
  int durable_unanswered = 0;    // in-flight commands found in the log
  int resubmitted = 0;           // duplicates checked
  int refusals_lost = 0;         // answered rejections not in the journal
};

// Runs with the default state cache, and with one customer cached, so that
// the children read almost every customer back from the store after each
// recovery and between groups.
class CrashSafety : public ::testing::TestWithParam<size_t> {
 protected:
  Options WithCache() const { return WithStateCache(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(StateCache, CrashSafety, StateCacheSizes(),
                         StateCacheName);

TEST_P(CrashSafety, SigkilledWritersNeverLoseAnAcknowledgedCommand) {
  const uint64_t seed = EnvOr("LEDGER_CRASH_SEED", 20260308);
  const int rounds = static_cast<int>(EnvOr("LEDGER_CRASH_ROUNDS", 40));
  std::cout << "[ info ] crash test seed " << seed << ", " << rounds
            << " rounds (LEDGER_CRASH_SEED / LEDGER_CRASH_ROUNDS)\n";
  std::mt19937_64 rng(seed);
  TempDir dir;
  {  // The ledger exists before the first kill.
    auto created = Ledger::Open(Options(), dir.path());
    ASSERT_TRUE(created.ok()) << created.status();
  }
  std::map<std::string, uint64_t> acknowledged_all;  // key -> seq
  RoundFigures total;
  int kills = 0;
  int lost = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE(absl::StrCat("seed ", seed, " round ", round));
    Child child;
    Spawn(dir.path(), seed, round, GetParam(), child);
    const bool early = rng() % 5 == 0;  // kill while it opens and recovers
    if (early) {
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
    } else {
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (child.buffer.find("ready\n") == std::string::npos &&
             std::chrono::steady_clock::now() < deadline) {
        if (!ReadSome(child, 100)) break;
      }
      ASSERT_NE(child.buffer.find("ready\n"), std::string::npos)
          << "the child did not open the ledger";
      // Pacing, not a wait for a state: the kill lands at a random moment
      // of the writing, which is what the test exercises.
      std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 250));
    }
    ASSERT_EQ(kill(child.pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(waitpid(child.pid, &wstatus, 0), child.pid);
    child.reaped = true;
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
        << "the child ended before it was killed (status " << wstatus << ")";
    ++kills;
    while (ReadSome(child, 1000)) {
    }

    // What each thread was told, by command index.
    std::vector<std::map<int, Answer>> told(kCrashThreads);
    std::istringstream lines(child.buffer);
    std::string kind;
    while (lines >> kind) {
      if (kind == "ready") continue;
      int t = 0, i = 0;
      Answer a;
      lines >> t >> i;
      if (kind == "A") {
        a.accepted = true;
        lines >> a.seq;
      } else {
        lines >> a.code;
      }
      ASSERT_TRUE(t >= 0 && t < kCrashThreads);
      told[t][i] = a;
    }

    auto report = ReplayLedger(dir.path());
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_TRUE(report->ok) << "replay after kill " << kills << ": seq "
                            << report->first_bad_seq << ": "
                            << report->problem;
    // The refusal journal, written (unsynced for a group of refusals only)
    // before its rejections are answered: each refusal in it was a
    // rejection (never an accepted command), recorded once, and every
    // rejection the child was answered is in it. A kill -9 loses no write
    // the process made, so only the refusals still in flight may be missing
    // (docs/audit.md, "What was refused").
    std::map<std::string, int> journaled;  // this round's keys
    const std::string round_prefix = absl::StrCat("r", round, "-");
    ASSERT_TRUE(ReadRejections(dir.path(), RejectionFilter(),
                               [&](const v1::RejectionRecord& r) {
                                 if (r.key().rfind(round_prefix, 0) == 0) {
                                   ++journaled[r.key()];
                                 }
                                 return absl::OkStatus();
                               })
                    .ok());
    for (int t = 0; t < kCrashThreads; ++t) {
      for (const auto& [i, a] : told[t]) {
        const std::string key = CrashKey(round, t, i);
        if (a.accepted) {
          EXPECT_EQ(journaled.count(key), 0u) << key << " accepted but journaled";
        } else if (journaled.count(key) == 0) {
          ++total.refusals_lost;
        }
      }
    }
    for (const auto& [key, count] : journaled) {
      EXPECT_EQ(count, 1) << key << " journaled " << count << " times";
    }
    auto opened = Ledger::Open(WithCache(), dir.path());
    ASSERT_TRUE(opened.ok()) << opened.status();
    Ledger& db = **opened;
    std::string error;
    std::map<std::string, uint64_t> in_log = KeysInLog(db, &error);
    ASSERT_EQ(error, "");

    for (int t = 0; t < kCrashThreads; ++t) {
      const int answered = static_cast<int>(told[t].size());
      for (int i = 0; i < answered; ++i) {
        ASSERT_EQ(told[t].count(i), 1u)
            << "thread " << t << " was answered out of order at " << i;
        const Answer& a = told[t][i];
        const std::string key = CrashKey(round, t, i);
        ++total.acknowledged;
        if (a.accepted) {
          ++total.accepted;
          acknowledged_all[key] = a.seq;
          if (in_log.count(key) == 0 || in_log[key] != a.seq) {
            ++lost;
            ADD_FAILURE() << "acknowledged " << key << " (seq " << a.seq
                          << ") is not in the log after kill " << kills;
          }
        } else {
          EXPECT_EQ(in_log.count(key), 0u)
              << key << " was answered " << a.code << " but is in the log";
        }
      }
      // The prefix: past the answered commands at most the one in flight.
      if (in_log.count(CrashKey(round, t, answered))) ++total.durable_unanswered;
      for (int i = answered + 1; i < answered + 64; ++i) {
        EXPECT_EQ(in_log.count(CrashKey(round, t, i)), 0u)
            << "thread " << t << ": command " << i << " is durable but "
            << "command " << answered << " was never answered";
      }
    }
    // Earlier rounds' acknowledgements still stand.
    for (const auto& [key, seq] : acknowledged_all) {
      auto it = in_log.find(key);
      if (it == in_log.end() || it->second != seq) {
        ++lost;
        ADD_FAILURE() << "acknowledged " << key << " vanished after kill "
                      << kills;
      }
    }
    // Resubmitting what this round acknowledged answers duplicate, same seq.
    for (int t = 0; t < kCrashThreads; ++t) {
      for (const auto& [i, a] : told[t]) {
        if (!a.accepted) continue;
        auto r = db.SubmitJson(CrashCommand(seed, round, t, i));
        ASSERT_TRUE(r.ok()) << r.status();
        EXPECT_EQ(r->outcome, Outcome::kDuplicate) << CrashKey(round, t, i);
        EXPECT_EQ(r->seq, a.seq) << CrashKey(round, t, i);
        ++total.resubmitted;
      }
    }
    EXPECT_EQ(db.LastSeq(), in_log.size()) << "resubmitting wrote something";
  }
  const double seconds = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - started)
                             .count();
  std::cout << "[ figures ] crash: seed " << seed << ", kills " << kills
            << ", answers reported " << total.acknowledged
            << " (acceptances " << total.accepted << "), durable but "
            << "unanswered " << total.durable_unanswered
            << ", duplicates checked " << total.resubmitted
            << ", acknowledged commands lost " << lost
            << ", answered rejections missing from the refusal journal "
            << total.refusals_lost << ", " << seconds
            << " s\n";
  EXPECT_GE(kills, 30);
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(total.refusals_lost, 0) << "a rejection was answered before its "
                                       "refusal was written";
  EXPECT_GT(total.accepted, kills) << "the children did too little work";
}

}  // namespace
}  // namespace ledger
