// A backup taken in a writing process that is then SIGKILLed
// (docs/operations.md, "Backup"): the copy was whole when Backup returned,
// so it replays clean whatever happens to the writer afterwards, and the
// log the killed writer left (recovered by the next open) still extends
// the copy's digest. The writer is the crash test's child
// (crash_child_main.cc), told to take the backup by LEDGER_CRASH_BACKUP_DIR.
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/verify.h"
#include "tests/test_util.h"

extern char** environ;

namespace ledger {
namespace {

// How long the parent waits for each line of the child.
constexpr int kLinePatienceMs = 60000;

struct Child {
  pid_t pid = -1;
  int fd = -1;
  std::string buffer;
  ~Child() {  // a child left running by a failed assertion is killed
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (fd >= 0) close(fd);
  }
};

// The crash test's child writing into `dir`, with a backup into `to` once
// 300 events are in; its reports come on descriptor 3.
void Spawn(const std::string& dir, const std::string& to, Child& child) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // Close the read end first: it may itself be descriptor 3.
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 3);
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) env_text.emplace_back(*e);
  env_text.push_back("LEDGER_CRASH_BACKUP_DIR=" + to);
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string path = LEDGER_CRASH_CHILD_PATH;
  std::string dir_arg = dir, seed = "11", round = "0";
  std::vector<char*> argv = {path.data(), dir_arg.data(), seed.data(),
                             round.data(), nullptr};
  ASSERT_EQ(posix_spawn(&child.pid, path.c_str(), &actions, nullptr,
                        argv.data(), envp.data()),
            0);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  child.fd = fds[0];
}

// The next line of the child, or "" after kLinePatienceMs or at its end.
std::string ReadLine(Child& child) {
  const auto give_up = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(kLinePatienceMs);
  while (child.buffer.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        give_up - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    pollfd p{child.fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
    char chunk[4096];
    const ssize_t n = ::read(child.fd, chunk, sizeof chunk);
    if (n <= 0) return "";
    child.buffer.append(chunk, static_cast<size_t>(n));
  }
  const size_t end = child.buffer.find('\n');
  std::string line = child.buffer.substr(0, end);
  child.buffer.erase(0, end + 1);
  return line;
}

TEST(BackupCrash, ABackupReplaysCleanAfterItsWriterIsKilled) {
  testing::TempDir live;
  testing::TempDir out;
  const std::string to = out.path() + "/copy";
  Child child;
  Spawn(live.path(), to, child);
  // The backup's report, then an acknowledged event 300 past its head:
  // the child wrote on after the copy, up to the kill.
  LogDigest digest;
  bool backed_up = false;
  bool wrote_on = false;
  for (int lines = 0; lines < 1000000 && !wrote_on; ++lines) {
    const std::string line = ReadLine(child);
    ASSERT_FALSE(line.empty()) << "the child stopped reporting";
    ASSERT_NE(line[0], 'E') << line;
    std::vector<std::string> w = absl::StrSplit(line, ' ');
    if (w[0] == "B") {
      ASSERT_EQ(w.size(), 3u) << line;
      ASSERT_TRUE(absl::SimpleAtoi(w[1], &digest.seq));
      digest.hash = absl::HexStringToBytes(w[2]);
      backed_up = true;
    } else if (w[0] == "A" && backed_up && w.size() == 4) {
      uint64_t seq = 0;
      wrote_on = absl::SimpleAtoi(w[3], &seq) && seq >= digest.seq + 300;
    }
  }
  ASSERT_TRUE(wrote_on);
  ASSERT_EQ(kill(child.pid, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child.pid, &wstatus, 0), child.pid);
  child.pid = -1;
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
      << "the child ended by itself (status " << wstatus << ")";

  // The copy replays clean and its head is the digest the child reported.
  absl::StatusOr<ReplayReport> replay = ReplayLedger(to);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->ok);
  absl::StatusOr<VerifyReport> copy = VerifyLog(to, VerifyOptions());
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_TRUE(copy->ok) << copy->problem;
  EXPECT_EQ(copy->head.seq, digest.seq);
  EXPECT_EQ(copy->head.hash, digest.hash);

  // The killed ledger, recovered by an open, extends it.
  {
    absl::StatusOr<std::unique_ptr<Ledger>> recovered =
        Ledger::Open(Options(), live.path());
    ASSERT_TRUE(recovered.ok()) << recovered.status();
    EXPECT_GE((*recovered)->LastSeq(), digest.seq + 300);
  }
  VerifyOptions options;
  options.digest = digest;
  absl::StatusOr<VerifyReport> extended = VerifyLog(live.path(), options);
  ASSERT_TRUE(extended.ok()) << extended.status();
  EXPECT_TRUE(extended->ok) << extended->problem;
}

}  // namespace
}  // namespace ledger
