#include "ledger/storage/info_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#include <cstdio>
#include <mutex>

namespace ledger {
namespace {

class StdioLogger : public rocksdb::Logger {
 public:
  explicit StdioLogger(FILE* file)
      : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), file_(file) {}
  ~StdioLogger() override {
    if (file_ != nullptr) std::fclose(file_);
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (file_ == nullptr) return;
    struct timeval now;
    gettimeofday(&now, nullptr);
    struct tm t;
    localtime_r(&now.tv_sec, &t);
    std::lock_guard<std::mutex> lock(mu_);
    // A line that does not fit leaves the stream in error: clear it, so the
    // next line is tried once there is room again.
    std::clearerr(file_);
    std::fprintf(file_, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld ",
                 t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                 t.tm_min, t.tm_sec, static_cast<long>(now.tv_usec));
    std::vfprintf(file_, format, ap);
    std::fputc('\n', file_);
    std::fflush(file_);
  }

 private:
  std::mutex mu_;
  FILE* const file_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewInfoLog(const std::string& dir) {
  const std::string path = dir + "/LOG";
  // Errors ignored: no LOG yet (a new ledger), or no room for the rename
  // (then the new lines are appended to the old file).
  (void)std::rename(path.c_str(), (path + ".old").c_str());
  return std::make_shared<StdioLogger>(std::fopen(path.c_str(), "ae"));
}

}  // namespace ledger
