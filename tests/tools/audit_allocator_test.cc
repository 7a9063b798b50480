#include "tools/ledgerctl/audit_allocator.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace ledger::tools {
namespace {

// How many blocks the allocator has mapped on their own (malloc_info's
// `<total type="mmap" count=`), or -1 when it cannot tell.
int MappedBlocks() {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  if (out == nullptr || malloc_info(0, out) != 0) return -1;
  std::fclose(out);
  const std::string report(text, size);
  std::free(text);
  const std::string tag = "<total type=\"mmap\" count=\"";
  const size_t at = report.rfind(tag);
  if (at == std::string::npos) return -1;
  return std::atoi(report.c_str() + at + tag.size());
}

// Keeps the compiler from leaving out a malloc whose block is not read.
void Keep(void* block) { asm volatile("" : : "r"(block) : "memory"); }

// Whether a block of 512 KiB asked for after one of 1 MiB was freed is
// mapped on its own (1) or not (0). glibc's own threshold has risen to
// 1 MiB by then and cuts it from the heap, where its pages stay once it is
// freed.
int MappedAfterALargerBlockWasFreed() {
  void* larger = std::malloc(size_t{1} << 20);
  Keep(larger);
  std::free(larger);
  const int before = MappedBlocks();
  void* block = std::malloc(size_t{512} << 10);
  Keep(block);
  const int mapped = MappedBlocks() - before;
  std::free(block);
  return mapped;
}

// The process's resident bytes now (/proc/self/statm), or 0 when unknown.
size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return pages_resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

constexpr size_t kFreedBytes = size_t{64} << 20;

// Fills kFreedBytes in blocks of 4 KiB (far below the mmap threshold, so
// they come from the heap), then frees all but the last: the freed pages
// lie below a live block, so glibc cannot shrink the heap over them and
// they stay resident. Returns the live block.
void* FreedPagesBelowALiveBlock() {
  constexpr size_t kBlock = 4096;
  std::vector<void*> blocks;
  for (size_t i = 0; i < kFreedBytes / kBlock; ++i) {
    void* block = std::malloc(kBlock);
    std::memset(block, 1, kBlock);  // resident, not just reserved
    blocks.push_back(block);
  }
  void* live = std::malloc(kBlock);
  Keep(live);
  for (void* block : blocks) std::free(block);
  return live;
}

// Frees kFreedBytes below a live block, with a trim running or not, then
// exits: 0 when most of them went back within `wait`, 1 when they did not,
// 2 when they were not resident to begin with. For a child process.
[[noreturn]] void ExitWithWhetherFreedPagesWentBack(bool trim, absl::Duration wait) {
  void* live = FreedPagesBelowALiveBlock();
  const size_t before = ResidentBytes();
  if (before < kFreedBytes) std::_Exit(2);
  std::optional<PeriodicArenaTrim> trimming;
  if (trim) trimming.emplace(absl::Milliseconds(10));
  const bool gave_back = testing::WaitUntil(
      [before] { return ResidentBytes() + kFreedBytes * 3 / 4 < before; }, wait);
  trimming.reset();
  std::free(live);
  std::_Exit(gave_back ? 0 : 1);
}

// Whether a sanitizer's allocator stands in for glibc's, whose settings
// these tests read. The TSan build undefines __SANITIZE_THREAD__ (the
// headers of Debian's uninstrumented libraries must keep their layout; see
// CMakeLists.txt), so TSan is found by its runtime's entry point instead.
extern "C" void __tsan_init() __attribute__((weak));

bool ASanitizersAllocatorStandsIn() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return true;
#else
  return __tsan_init != nullptr;
#endif
}

// Each case runs in a child process of its own: the allocator's settings
// are the process's and stay set.
class AuditAllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ASanitizersAllocatorStandsIn()) {
      GTEST_SKIP() << "the sanitizer's allocator stands in for glibc's";
    }
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }
};

TEST_F(AuditAllocatorTest, ALargeBlockStaysMappedAfterALargerOneWasFreed) {
  EXPECT_EXIT(
      {
        unsetenv("GLIBC_TUNABLES");
        unsetenv("MALLOC_MMAP_THRESHOLD_");
        if (!BoundAllocatorForAudit()) std::_Exit(2);
        std::_Exit(MappedAfterALargerBlockWasFreed() == 1 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(AuditAllocatorTest, WithoutItALargeBlockAfterALargerOneIsCutFromTheHeap) {
  // What the setting changes: glibc's threshold, left alone, rises.
  EXPECT_EXIT({ std::_Exit(MappedAfterALargerBlockWasFreed() == 0 ? 0 : 1); },
              ::testing::ExitedWithCode(0), "");
}

TEST_F(AuditAllocatorTest, AnOperatorsMallocVariableIsLeftAsSet) {
  // glibc read its variables when the process started: one in the
  // environment means the operator chose, and the audit sets nothing.
  EXPECT_EXIT(
      {
        setenv("MALLOC_MMAP_THRESHOLD_", "4194304", 1);
        if (!BoundAllocatorForAudit()) std::_Exit(2);
        std::_Exit(MappedAfterALargerBlockWasFreed() == 0 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(AuditAllocatorTest, FreedPagesBelowALiveBlockGoBackWhileATrimRuns) {
  EXPECT_EXIT(ExitWithWhetherFreedPagesWentBack(true, absl::Seconds(5)),
              ::testing::ExitedWithCode(0), "");
}

TEST_F(AuditAllocatorTest, WithoutATrimFreedPagesBelowALiveBlockStay) {
  // What the trim changes: left alone, the heap keeps those pages.
  EXPECT_EXIT(
      ExitWithWhetherFreedPagesWentBack(false, absl::Milliseconds(200)),
      ::testing::ExitedWithCode(1), "");
}

}  // namespace
}  // namespace ledger::tools
