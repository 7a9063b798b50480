// Shared by the libFuzzer harnesses: a scratch folder (in /dev/shm when it
// exists, so RocksDB's files cost no disk I/O) and a check that aborts with
// a message, which libFuzzer reports as a crash with the input saved.
#ifndef CREDIT_LEDGER_TESTS_FUZZ_FUZZ_UTIL_H_
#define CREDIT_LEDGER_TESTS_FUZZ_FUZZ_UTIL_H_

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace ledger::fuzz {

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "FUZZ INVARIANT BROKEN: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

#define FUZZ_CHECK(cond, what)                                      \
  do {                                                              \
    if (!(cond)) ::ledger::fuzz::Fail(std::string(#cond) + ": " + (what)); \
  } while (0)

class ScratchDir {
 public:
  ScratchDir() {
    std::error_code ec;
    std::string base = std::filesystem::is_directory("/dev/shm", ec)
                           ? "/dev/shm"
                           : std::filesystem::temp_directory_path().string();
    std::string tmpl = base + "/ledger-fuzz-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) Fail("mkdtemp");
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ledger::fuzz

#endif  // CREDIT_LEDGER_TESTS_FUZZ_FUZZ_UTIL_H_
