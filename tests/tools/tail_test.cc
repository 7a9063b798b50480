// `ledgerctl tail` as a user runs it (LEDGERCTL_PATH): the log from a seq as
// JSON lines, on a closed ledger and, with --follow, beside a process that
// has the ledger open for writing and commits while tail runs.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/base/sha256.h"
#include "tests/reliability/reliability_util.h"
#include "tests/test_util.h"

extern char** environ;

namespace ledger::testing {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Struct;

const std::string kTool = LEDGERCTL_PATH;

double Number(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  EXPECT_NE(it, s.fields().end()) << "no " << name;
  return it == s.fields().end() ? -1 : it->second.number_value();
}

std::string Text(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  EXPECT_NE(it, s.fields().end()) << "no " << name;
  return it == s.fields().end() ? "" : it->second.string_value();
}

// Scratch folders a tail process `pid` left behind in /tmp.
std::vector<std::string> ScratchLeftBy(pid_t pid) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  const std::string prefix = absl::StrCat("ledgerctl-tail-", pid, "-");
  std::vector<std::string> left;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().starts_with(prefix)) {
      left.push_back(entry.path().string());
    }
  }
  return left;
}

// A child process whose stdout is read line by line.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    int out[2];
    if (pipe(out) != 0) std::abort();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) !=
        0) {
      std::abort();
    }
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    fd_ = out[0];
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(fd_);
  }
  pid_t pid() const { return pid_; }

  // Reads until `n` complete lines have arrived in all, or `deadline`.
  std::vector<std::string> ReadLines(size_t n, absl::Time deadline) {
    while (SplitLines(buffer_).size() < n && absl::Now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const int wait_ms = static_cast<int>(
          absl::ToInt64Milliseconds(deadline - absl::Now()));
      if (poll(&p, 1, std::max(wait_ms, 0)) <= 0) continue;
      char buf[4096];
      ssize_t got = read(fd_, buf, sizeof buf);
      if (got <= 0) break;
      buffer_.append(buf, static_cast<size_t>(got));
    }
    // Only complete lines.
    return SplitLines(buffer_.substr(0, buffer_.rfind('\n') + 1));
  }

  // Sends `signal` and waits up to `limit` for the child to end; returns
  // its exit status, -1 when it was ended by a signal, and -2 when it was
  // still running at the limit (it is then killed, so the test fails
  // instead of hanging).
  int Stop(int signal, absl::Duration limit = absl::Seconds(30)) {
    kill(pid_, signal);
    int status = 0;
    const absl::Time deadline = absl::Now() + limit;
    pid_t ended = 0;
    while ((ended = waitpid(pid_, &status, WNOHANG)) == 0 &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    if (ended == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
      return -2;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

TEST(LedgerctlTailTest, WithoutFollowPrintsExactlyTheLogFromSeqN) {
  TestLedger db;
  ASSERT_EQ(db.Code(BuyJson("k1", "c1", "p1", 1000)), "ACCEPTED");
  ASSERT_EQ(db.Code(UseJson("k2", "c1", "u1", 5000)), "INSUFFICIENT_CREDITS");
  ASSERT_EQ(db.Code(UseJson("k3", "c1", "u1", 40)), "ACCEPTED");
  ASSERT_EQ(db.Code(R"({"key":"k4","at":"2026-03-08T12:00:00Z","set_policy":)"
                    R"({"version":"v2","refund_window_hours":24,)"
                    R"("inquiry_window_hours":24}})"),
            "ACCEPTED");
  ASSERT_EQ(db.Code(BuyJson("k5", "c2", "p1", 10)), "ACCEPTED");
  std::vector<v1::Event> log;
  ASSERT_TRUE(db->ReadEvents(2, [&](const v1::Event& e) {
                  log.push_back(e);
                  return true;
                }).ok());
  ASSERT_EQ(log.size(), 3u);
  db.Close();

  std::string out;
  ASSERT_EQ(RunCommand(absl::StrCat(kTool, " tail --db ", db.dir(),
                                    " --from-seq 2"),
                       &out),
            0);
  std::vector<std::string> lines = SplitLines(out);
  ASSERT_EQ(lines.size(), log.size()) << out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const v1::Event& want = log[i];
    Struct got = ParseJsonObject(lines[i]);
    EXPECT_EQ(Number(got, "seq"), want.header().seq());
    EXPECT_EQ(Text(got, "key"), want.header().key());
    EXPECT_EQ(Text(got, "policy_version"), want.header().policy_version());
    EXPECT_EQ(Text(got, "hash").size(), 64u);
    EXPECT_EQ(got.fields().at("postings").list_value().values_size(),
              want.postings_size());
  }
  Struct use = ParseJsonObject(lines[0]);
  EXPECT_EQ(Text(use, "kind"), "use");
  EXPECT_EQ(Text(use, "customer"), "c1");
  EXPECT_EQ(Text(use, "at"), "2026-03-08T11:00:00Z");
  Struct policy = ParseJsonObject(lines[1]);
  EXPECT_EQ(Text(policy, "kind"), "set_policy");
  // The export's line: set_policy has no customer.
  EXPECT_EQ(Text(policy, "customer"), "");
  // The hash printed for an event is the one the next event chains to.
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_EQ(Text(ParseJsonObject(lines[i]), "hash"),
              absl::BytesToHexString(log[i + 1].header().prev_hash()));
  }

  // Past the head: nothing, and success.
  ASSERT_EQ(RunCommand(absl::StrCat(kTool, " tail --db ", db.dir(),
                                    " --from-seq 99"),
                       &out),
            0);
  EXPECT_EQ(out, "");
}

TEST(LedgerctlTailTest, FollowPrintsWhatAnotherProcessCommitsInOrder) {
  TestLedger db;  // open for writing in this process for the whole test
  ASSERT_EQ(db.Code(BuyJson("before1", "c1", "p1", 1000)), "ACCEPTED");
  ASSERT_EQ(db.Code(BuyJson("before2", "c2", "p1", 1000)), "ACCEPTED");

  Child tail({kTool, "tail", "--db", db.dir(), "--from-seq", "1", "--follow"});
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  std::vector<std::string> lines = tail.ReadLines(2, deadline);
  ASSERT_EQ(lines.size(), 2u) << "tail --follow did not print the log so far";

  constexpr int kLive = 25;
  std::vector<std::string> keys = {"before1", "before2"};
  for (int i = 0; i < kLive; ++i) {
    const std::string key = absl::StrCat("live", i);
    ASSERT_EQ(db.Code(UseJson(key, i % 2 == 0 ? "c1" : "c2",
                              absl::StrCat("u", i), 3)),
              "ACCEPTED");
    keys.push_back(key);
    // Sometimes let a poll pass between commits, sometimes not.
    if (i % 5 == 0) absl::SleepFor(absl::Milliseconds(200));
  }
  lines = tail.ReadLines(keys.size(), deadline);
  ASSERT_EQ(lines.size(), keys.size()) << "tail --follow missed events";
  for (size_t i = 0; i < lines.size(); ++i) {
    Struct event = ParseJsonObject(lines[i]);
    EXPECT_EQ(Number(event, "seq"), i + 1) << lines[i];
    EXPECT_EQ(Text(event, "key"), keys[i]) << lines[i];
  }
  // Nothing more than what was committed.
  EXPECT_EQ(tail.ReadLines(keys.size() + 1, absl::Now() + absl::Milliseconds(400))
                .size(),
            keys.size());

  const pid_t pid = tail.pid();
  EXPECT_EQ(tail.Stop(SIGTERM), 0) << "SIGTERM should end tail cleanly";
  EXPECT_TRUE(ScratchLeftBy(pid).empty()) << "scratch folder left behind";
  // And the writer never noticed: it still commits.
  EXPECT_EQ(db.Code(BuyJson("after", "c3", "p1", 1)), "ACCEPTED");
}

TEST(LedgerctlTailTest, TailOfAMissingLedgerFailsAndCreatesNothing) {
  TempDir dir;
  const std::string missing = dir.path() + "/nope";
  std::string out;
  EXPECT_EQ(RunCommand(absl::StrCat(kTool, " tail --db ", missing, " 2>&1"),
                       &out),
            1);
  EXPECT_NE(out.find("no ledger"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(missing));
}

TEST(LedgerctlTailTest, BadUsageExitsTwoWithNothingOnStdout) {
  TempDir dir;
  for (const std::string& args :
       {std::string("tail"), "tail --db " + dir.path() + " --from-seq 0",
        "tail --db " + dir.path() + " --from-seq x",
        "tail --db " + dir.path() + " --follow=yes",
        "tail --db " + dir.path() + " extra"}) {
    std::string out;
    EXPECT_EQ(RunCommand(absl::StrCat(kTool, " ", args, " 2>/dev/null"), &out),
              2)
        << args;
    EXPECT_EQ(out, "") << args;
  }
}

TEST(LedgerctlTailTest, HelpDescribesTheCommand) {
  std::string out;
  ASSERT_EQ(RunCommand(kTool + " tail --help", &out), 0);
  EXPECT_NE(out.find("usage: ledgerctl tail --db DIR"), std::string::npos);
  EXPECT_NE(out.find("--follow"), std::string::npos);
  ASSERT_EQ(RunCommand(kTool + " --help", &out), 0);
  EXPECT_NE(out.find("tail"), std::string::npos);
}

}  // namespace
}  // namespace ledger::testing
