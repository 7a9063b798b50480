#include "tools/ledgerctl/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace ledger::tools {
namespace {

constexpr int kBarWidth = 28;
constexpr absl::Duration kRedrawEvery = absl::Milliseconds(100);

std::string Rate(double per_second) {
  if (per_second >= 1e6) return absl::StrFormat("%.1fM/s", per_second / 1e6);
  if (per_second >= 1e3) return absl::StrFormat("%.1fk/s", per_second / 1e3);
  return absl::StrFormat("%.0f/s", per_second);
}

std::string Clock(absl::Duration d) {
  const int64_t s = absl::ToInt64Seconds(d);
  if (s >= 3600) return absl::StrFormat("%dh%02dm", s / 3600, (s / 60) % 60);
  if (s >= 60) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%ds", s);
}

}  // namespace

ProgressBar::ProgressBar(std::string label, uint64_t total)
    : ProgressBar(std::move(label), total, isatty(STDERR_FILENO) == 1) {}

ProgressBar::ProgressBar(std::string label, uint64_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      started_(absl::Now()),
      last_draw_(absl::InfinitePast()) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(uint64_t done) {
  done_ = done;
  if (!enabled_ || finished_) return;
  if ((++calls_ & 1023) != 1) return;
  const absl::Time now = absl::Now();
  if (now - last_draw_ < kRedrawEvery) return;
  last_draw_ = now;
  Draw(done);
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  Draw(done_);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void ProgressBar::Draw(uint64_t done) {
  const std::string line = Render(label_, done, total_, absl::Now() - started_);
  std::fprintf(stderr, "\r%s\033[K", line.c_str());
  std::fflush(stderr);
}

std::string ProgressBar::Render(std::string_view label, uint64_t done,
                                uint64_t total, absl::Duration elapsed) {
  const double seconds = std::max(absl::ToDoubleSeconds(elapsed), 1e-3);
  const double rate = static_cast<double>(done) / seconds;
  if (total == 0) {
    return absl::StrCat(std::string(label), " ", done, "  ", Rate(rate), "  ",
                        Clock(elapsed));
  }
  const uint64_t shown = std::min(done, total);
  const int filled = static_cast<int>(kBarWidth * shown / total);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kBarWidth, '.');
  const int percent = static_cast<int>(100 * shown / total);
  std::string left = "--";
  if (rate > 0) {
    left = Clock(absl::Seconds(static_cast<double>(total - shown) / rate));
  }
  return absl::StrFormat("%s [%s] %3d%%  %d/%d  %s  %s left", std::string(label), bar,
                         percent, shown, total, Rate(rate), left);
}

std::function<void(uint64_t, uint64_t)> ProgressCallback(
    std::string label, std::unique_ptr<ProgressBar>* bar) {
  return [label = std::move(label), bar](uint64_t done, uint64_t total) {
    if (*bar == nullptr) *bar = std::make_unique<ProgressBar>(label, total);
    (*bar)->Update(done);
  };
}

}  // namespace ledger::tools
