// `ledgerctl apply` stopped by SIGINT or SIGTERM, through the
// binary: the group in flight finishes, only whole result lines are
// written, stderr says how many and that a re-run is safe, and a re-run of
// the same input answers what was applied as duplicates and doubles nothing.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

extern char** environ;

namespace ledger::testing {
namespace {

std::string Purchase(int c) {
  return absl::StrCat(R"({"key":"p-)", c, R"(","customer":"c)", c,
                      R"(","at":"2026-03-01T00:00:00Z","purchase":{"purchase_id":"p)",
                      c, R"(","credits":1000000,"amount_minor":100,"currency":"USD"}})");
}

std::string Use(int i, int customers) {
  return absl::StrCat(R"({"key":"u-)", i, R"(","customer":"c)", i % customers,
                      R"(","at":"2026-03-02T00:00:00Z","use":{"usage_id":"u)", i,
                      R"(","category":"AI_PROCESSING","credits":1}})");
}

// A running `ledgerctl apply --db DB` with stdin from `stdin_path` (or a
// pipe the test writes, when empty), stdout to a pipe, stderr to a file.
struct Apply {
  pid_t pid = -1;
  int in = -1;   // write end of stdin's pipe, when there is one
  int out = -1;  // read end of stdout's pipe
  std::string err_path;

  Apply(const std::string& db, const std::string& stdin_path,
        const std::string& err_file)
      : err_path(err_file) {
    int in_pipe[2] = {-1, -1}, out_pipe[2];
    EXPECT_EQ(pipe(out_pipe), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdin_path.empty()) {
      EXPECT_EQ(pipe(in_pipe), 0);
      posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
      posix_spawn_file_actions_addclose(&actions, in_pipe[1]);
    } else {
      posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> args = {LEDGERCTL_PATH, "apply", "--db", db};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    out = out_pipe[0];
    if (stdin_path.empty()) {
      close(in_pipe[0]);
      in = in_pipe[1];
    }
  }

  // Reads stdout until it holds at least `lines` complete lines.
  void ReadLines(size_t lines, std::string* text) {
    char buf[65536];
    while (static_cast<size_t>(std::count(text->begin(), text->end(), '\n')) < lines) {
      ssize_t n = read(out, buf, sizeof buf);
      if (n <= 0) return;
      text->append(buf, static_cast<size_t>(n));
    }
  }

  // Reads stdout to its end and waits; the exit status, or -signal.
  int Finish(std::string* text) {
    if (in >= 0) close(in);
    char buf[65536];
    for (;;) {
      ssize_t n = read(out, buf, sizeof buf);
      if (n <= 0) break;
      text->append(buf, static_cast<size_t>(n));
    }
    close(out);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return WEXITSTATUS(status);
  }

  std::string Stderr() const {
    std::ifstream f(err_path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }
};

TEST(ApplyStopTest, SigintStopsAfterTheGroupInFlightWithWholeLinesAndARerunDoublesNothing) {
  TempDir dir;
  const std::string db = dir.path() + "/db";
  const std::string input = dir.path() + "/in.jsonl";
  constexpr int kCustomers = 100;
  constexpr int kUses = 60000;
  std::string text;
  for (int c = 0; c < kCustomers; ++c) absl::StrAppend(&text, Purchase(c), "\n");
  for (int i = 0; i < kUses; ++i) absl::StrAppend(&text, Use(i, kCustomers), "\n");
  WriteFile(input, text);
  const size_t total = kCustomers + kUses;

  std::string first;
  int status = 0;
  {
    Apply apply(db, input, dir.path() + "/err1");
    apply.ReadLines(1, &first);  // a first group is durable: stop it now
    ASSERT_EQ(kill(apply.pid, SIGINT), 0);
    status = apply.Finish(&first);
    const std::string err = apply.Stderr();
    ASSERT_EQ(status, 130) << err;
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(first.back(), '\n') << "a half-written last line";
    const std::vector<std::string> lines = SplitLines(first);
    ASSERT_LT(lines.size(), total) << "apply finished before the signal";
    for (const std::string& line : lines) {
      EXPECT_EQ(ParseJsonObject(line).fields().at("status").string_value(), "ACCEPTED")
          << line;
    }
    EXPECT_NE(err.find(absl::StrCat("stopped by SIGINT (Ctrl-C) after writing ",
                                    lines.size(), " results")),
              std::string::npos)
        << err;
    EXPECT_NE(err.find("Re-running apply on the same input is safe"), std::string::npos)
        << err;
  }
  const std::vector<std::string> before = SplitLines(first);

  std::string second;
  ASSERT_EQ(RunLedgerctl("apply --db " + db + " " + input, &second), 0);
  const std::vector<std::string> after = SplitLines(second);
  ASSERT_EQ(after.size(), total);
  for (size_t i = 0; i < after.size(); ++i) {
    const google::protobuf::Struct r = ParseJsonObject(after[i]);
    ASSERT_EQ(r.fields().at("status").string_value(), "ACCEPTED") << after[i];
    const bool duplicate = r.fields().count("duplicate") != 0;
    EXPECT_EQ(duplicate, i < before.size()) << "line " << i << ": " << after[i];
    if (i < before.size()) {
      EXPECT_EQ(r.fields().at("seq").number_value(),
                ParseJsonObject(before[i]).fields().at("seq").number_value());
    } else {
      // Nothing doubled: every command holds exactly one seq, in order.
      EXPECT_EQ(r.fields().at("seq").number_value(), static_cast<double>(i + 1));
    }
  }
}

TEST(ApplyStopTest, SigtermWhileWaitingForInputAnswersWhatArrivedAndSaysSo) {
  TempDir dir;
  Apply apply(dir.path() + "/db", "", dir.path() + "/err");
  const std::string lines = Purchase(1) + "\n" + Use(0, 1) + "\nnot json\n";
  ASSERT_EQ(write(apply.in, lines.data(), lines.size()),
            static_cast<ssize_t>(lines.size()));
  std::string out;
  apply.ReadLines(3, &out);  // answered while the pipe stays open
  ASSERT_EQ(SplitLines(out).size(), 3u) << out;
  ASSERT_EQ(kill(apply.pid, SIGTERM), 0);
  // Finish closes the input: wait (bounded) for apply to take the signal
  // first, or the end of the input could win the race and apply would
  // rightly finish as if never stopped.
  ASSERT_TRUE(WaitUntil([&] {
    return apply.Stderr().find("stopped by") != std::string::npos;
  }, absl::Seconds(10))) << apply.Stderr();
  EXPECT_EQ(apply.Finish(&out), 143);
  EXPECT_EQ(SplitLines(out).size(), 3u) << out;
  EXPECT_NE(apply.Stderr().find("stopped by SIGTERM after writing 3 results"),
            std::string::npos)
      << apply.Stderr();
}

}  // namespace
}  // namespace ledger::testing
