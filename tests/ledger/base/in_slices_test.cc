// A loop cut into slices for several threads (in_slices.h): every index is
// visited once, each slice is contiguous, a slice is no smaller than the
// bound allows, and a loop too small for two slices stays on the calling
// thread.
#include "ledger/base/in_slices.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace ledger {
namespace {

struct Visits {
  std::mutex mu;
  std::vector<std::pair<size_t, size_t>> slices;
  std::set<std::thread::id> threads;
  std::vector<std::atomic<int>> seen;
  explicit Visits(size_t n) : seen(n) {}
};

void Walk(size_t n, const SliceBounds& bounds, Visits& v) {
  ForEachSlice(n, bounds, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) v.seen[i].fetch_add(1);
    std::lock_guard<std::mutex> lock(v.mu);
    v.slices.emplace_back(begin, end);
    v.threads.insert(std::this_thread::get_id());
  });
}

TEST(InSlices, EveryIndexIsVisitedOnceInContiguousSlicesOfAtLeastTheBound) {
  for (size_t n : {0u, 1u, 127u, 256u, 1000u, 10007u}) {
    const SliceBounds bounds{.min_per_thread = 128, .max_threads = 8};
    Visits v(n);
    Walk(n, bounds, v);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(v.seen[i].load(), 1) << n << " " << i;
    std::sort(v.slices.begin(), v.slices.end());
    ASSERT_EQ(v.slices.size(), SliceCount(n, bounds)) << n;
    size_t next = 0;
    for (const auto& [begin, end] : v.slices) {
      EXPECT_EQ(begin, next) << n;
      if (v.slices.size() > 1) EXPECT_GE(end - begin, bounds.min_per_thread) << n;
      next = end;
    }
    EXPECT_EQ(next, n);
    EXPECT_LE(v.threads.size(), v.slices.size());
  }
}

TEST(InSlices, ALoopTooSmallForTwoSlicesStaysOnTheCallingThread) {
  Visits v(255);
  Walk(255, {.min_per_thread = 128, .max_threads = 8}, v);
  ASSERT_EQ(v.slices.size(), 1u);
  EXPECT_EQ(v.threads, std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST(InSlices, SlicesAreBoundedByTheThreadsAllowedAndTheCores) {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(SliceCount(1'000'000, {.min_per_thread = 1, .max_threads = 3}),
            std::min<size_t>(3, cores));
  EXPECT_EQ(SliceCount(1'000'000, {.min_per_thread = 1, .max_threads = 1}), 1u);
  EXPECT_EQ(SliceCount(4 * 128, {.min_per_thread = 128, .max_threads = 64}),
            std::min<size_t>(4, cores));
  if (cores >= 2) {
    Visits v(1000);
    Walk(1000, {.min_per_thread = 100, .max_threads = 2}, v);
    EXPECT_EQ(v.slices.size(), 2u);
    EXPECT_EQ(v.threads.size(), 2u) << "the second slice ran on the caller";
  }
}

}  // namespace
}  // namespace ledger
