// Runs a program with its standard input and output connected to files or
// to callbacks, and reports how it ended and its peak memory (wait4's
// ru_maxrss): the hostile-input tests run `ledgerctl apply` this way.
#ifndef CREDIT_LEDGER_TESTS_RELIABILITY_RUN_PROCESS_H_
#define CREDIT_LEDGER_TESTS_RELIABILITY_RUN_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace ledger::testing {

struct ProcessResult {
  int exit_code = -1;    // when it exited
  int signal = 0;        // when a signal ended it
  long max_rss_kb = 0;   // peak resident memory
  double seconds = 0;
};

// Runs argv with stdin from `writer` (called with the write end of a pipe,
// which is closed after it returns) and stdout fed to `reader` (called with
// the read end). stderr is inherited.
inline ProcessResult RunProcess(const std::vector<std::string>& args,
                                const std::function<void(int fd)>& writer,
                                const std::function<void(int fd)>& reader) {
  int in[2], out[2];
  if (pipe(in) != 0 || pipe(out) != 0) std::abort();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, in[1]);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ProcessResult result;
  const auto started = std::chrono::steady_clock::now();
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    std::abort();
  }
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  // A child that dies early must not kill us with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  std::thread feeding([&] {
    writer(in[1]);
    close(in[1]);
  });
  reader(out[0]);
  close(out[0]);
  feeding.join();
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  result.seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - started)
                       .count();
  result.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

// Writes all of `data`; false when the reader went away.
inline bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Reads everything from fd into *out.
inline void ReadAll(int fd, std::string* out) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return;
    out->append(buf, static_cast<size_t>(n));
  }
}

}  // namespace ledger::testing

#endif  // CREDIT_LEDGER_TESTS_RELIABILITY_RUN_PROCESS_H_
