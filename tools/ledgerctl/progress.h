// A progress bar for long passes over a log (replay, verify, export, import).
//
// On a terminal it redraws one stderr line at most ten times a second:
//   replay [#########.................]  38%  1234567/3200000  81.2k/s  24s left
// When stderr is not a terminal (a pipe, a file, a test) it prints nothing,
// so scripts and logs see only the command's own output.
#ifndef CREDIT_LEDGER_TOOLS_PROGRESS_H_
#define CREDIT_LEDGER_TOOLS_PROGRESS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace ledger::tools {

class ProgressBar {
 public:
  // `total` is the number of items expected; 0 when unknown (then the bar
  // shows the count and the rate only).
  ProgressBar(std::string label, uint64_t total);
  // Forces the bar on or off whatever stderr is (tests).
  ProgressBar(std::string label, uint64_t total, bool enabled);
  ~ProgressBar();  // calls Finish()

  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Records that `done` items are finished. Cheap enough to call per item:
  // it reads the clock only every 1024 calls.
  void Update(uint64_t done);
  // Draws the final state and ends the line. Idempotent.
  void Finish();

  // The line drawn for `done` of `total` after `elapsed` (exposed for tests).
  static std::string Render(std::string_view label, uint64_t done,
                            uint64_t total, absl::Duration elapsed);

 private:
  void Draw(uint64_t done);

  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool finished_ = false;
  uint64_t calls_ = 0;
  uint64_t done_ = 0;
  absl::Time started_;
  absl::Time last_draw_;
};

// A progress callback for the library's long passes (ReplayOptions and
// VerifyOptions::progress take (done, total)): the first call makes `*bar`
// with the total then known, every call updates it. Reset `*bar` to end its
// line before printing results.
std::function<void(uint64_t done, uint64_t total)> ProgressCallback(
    std::string label, std::unique_ptr<ProgressBar>* bar);

}  // namespace ledger::tools

#endif  // CREDIT_LEDGER_TOOLS_PROGRESS_H_
