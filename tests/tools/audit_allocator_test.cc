#include "tools/ledgerctl/audit_allocator.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace ledger::tools {
namespace {

// The arenas glibc's allocator has made so far: one `<heap nr=` element
// each in malloc_info's report.
int ArenaCount() {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  if (out == nullptr || malloc_info(0, out) != 0) return -1;
  std::fclose(out);
  const std::string report(text, size);
  std::free(text);
  int count = 0;
  for (size_t at = report.find("<heap nr="); at != std::string::npos;
       at = report.find("<heap nr=", at + 1)) {
    ++count;
  }
  return count;
}

// How many blocks the allocator has mapped on their own (malloc_info's
// `<total type="mmap" count=`).
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

// Whether a block of 512 KiB asked for after one of 1 MiB was freed is
// mapped on its own (1) or not (0): glibc's default threshold has risen to
// 1 MiB by then and puts it on the heap, where its pages stay when it is
// freed.
// Keeps the compiler from leaving out a malloc whose block is not read.
void Keep(void* block) { asm volatile("" : : "r"(block) : "memory"); }

int MappedBlocksAfterALargerOneWasFreed() {
  void* large = std::malloc(size_t{1} << 20);
  Keep(large);
  std::free(large);
  const int before = MappedBlocks();
  void* next = std::malloc(size_t{512} << 10);
  Keep(next);
  const int mapped = MappedBlocks() - before;
  std::free(next);
  return mapped;
}

// Threads that allocate at the same time, as an audit's fold threads and
// RocksDB's background threads do: each new thread takes an arena of its
// own while the allocator may make more.
void AllocateOnThreads(int threads) {
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([] {
      std::vector<std::string*> held;
      for (int i = 0; i < 2000; ++i) held.push_back(new std::string(200, 'x'));
      for (std::string* s : held) delete s;
    });
  }
  for (std::thread& t : running) t.join();
}

// Each case runs in a child of its own: the allocator's settings are the
// process's and stay set.
class AuditAllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "the sanitizer's allocator stands in for glibc's";
#endif
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }
};

TEST_F(AuditAllocatorTest, ThreadsOfABoundedAuditShareOneArena) {
  EXPECT_EXIT(
      {
        unsetenv("GLIBC_TUNABLES");
        unsetenv("MALLOC_ARENA_MAX");
        unsetenv("MALLOC_MMAP_THRESHOLD_");
        if (!BoundAllocatorForAudit()) std::_Exit(2);
        AllocateOnThreads(4);
        std::_Exit(ArenaCount() == 1 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(AuditAllocatorTest, WithoutTheSettingEachAllocatingThreadTakesAnArena) {
  // What the setting changes: the same threads, left to glibc's default.
  EXPECT_EXIT(
      {
        AllocateOnThreads(4);
        std::_Exit(ArenaCount() > 1 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(AuditAllocatorTest, ArenasAreLeftToGlibcWhenTheSettingsSayZero) {
  // replay's fold threads keep an arena each.
  EXPECT_EXIT(
      {
        unsetenv("GLIBC_TUNABLES");
        unsetenv("MALLOC_ARENA_MAX");
        if (!BoundAllocatorForAudit(AuditAllocator{.max_arenas = 0})) std::_Exit(2);
        AllocateOnThreads(4);
        std::_Exit(ArenaCount() > 1 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(AuditAllocatorTest, LargeBlocksStayMappedAfterALargerOneWasFreed) {
  EXPECT_EXIT(
      {
        unsetenv("GLIBC_TUNABLES");
        unsetenv("MALLOC_MMAP_THRESHOLD_");
        if (!BoundAllocatorForAudit()) std::_Exit(2);
        std::_Exit(MappedBlocksAfterALargerOneWasFreed() == 1 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(AuditAllocatorTest, WithoutTheSettingALargeBlockAfterALargerOneIsOnTheHeap) {
  // What the fixed threshold changes: glibc's own raises itself.
  EXPECT_EXIT(
      { std::_Exit(MappedBlocksAfterALargerOneWasFreed() == 0 ? 0 : 1); },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(AuditAllocatorTest, AnOperatorsMallocVariableIsLeftAsSet) {
  // glibc read its variables when the process started; one set in the
  // environment means the operator chose, and the audit changes nothing.
  EXPECT_EXIT(
      {
        setenv("MALLOC_ARENA_MAX", "8", 1);
        BoundAllocatorForAudit();
        AllocateOnThreads(4);
        std::_Exit(ArenaCount() > 1 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace ledger::tools
