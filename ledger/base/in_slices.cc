#include "ledger/base/in_slices.h"

#include <algorithm>
#include <system_error>
#include <thread>
#include <vector>

#include "ledger/base/check.h"

namespace ledger {

size_t SliceCount(size_t n, const SliceBounds& bounds) {
  LEDGER_CHECK(bounds.min_per_thread > 0) << "a slice of no index";
  const size_t cores = std::max<size_t>(1, std::thread::hardware_concurrency());
  return std::clamp<size_t>(std::min(cores, n / bounds.min_per_thread), 1,
                            std::max<size_t>(1, bounds.max_threads));
}

void ForEachSlice(size_t n, const SliceBounds& bounds,
                  const std::function<void(size_t begin, size_t end)>& slice) {
  const size_t slices = SliceCount(n, bounds);
  auto run = [&](size_t t) { slice(t * n / slices, (t + 1) * n / slices); };
  std::vector<std::thread> helpers;
  size_t started = 1;
  for (; started < slices; ++started) {
    try {
      helpers.emplace_back(run, started);
    } catch (const std::system_error&) {
      break;  // no thread to be had: this thread runs the rest
    }
  }
  run(0);
  for (size_t t = started; t < slices; ++t) run(t);
  for (std::thread& h : helpers) h.join();
}

}  // namespace ledger
