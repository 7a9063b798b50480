// Linked into the test binaries of a TSan build only (tests/CMakeLists.txt).
//
// Debian's Abseil is a shared library built without -fsanitize=thread, so
// ThreadSanitizer cannot see absl::Mutex synchronize (it locks with its own
// atomics and futexes, not pthreads) and would report every access guarded
// by one as a race. These definitions interpose absl::Mutex's out-of-line
// lock functions in the executable: each calls the real one (found with
// dlsym(RTLD_NEXT)) and tells TSan about the acquire or release, which is
// what Abseil's own ABSL_TSAN_MUTEX_* annotations do in an instrumented
// build. Reader locks are annotated as acquire/release too, which can hide a
// race between two readers but never invents one.
//
// Conditions (Mutex::Await, LockWhen) are evaluated by Abseil itself, often
// by the thread that is unlocking, inside the library, under the lock but
// outside our Lock/Unlock wrappers. Every Unlock and every Condition::Eval
// release, and every Lock and Eval acquire, one shared token, so what a
// condition reads is ordered with every critical section; this too can only
// hide races (between users of different mutexes), never invent them.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>

#include "absl/synchronization/mutex.h"

namespace {

template <typename Fn>
Fn Real(const char* mangled) {
  void* f = dlsym(RTLD_NEXT, mangled);
  if (f == nullptr) {
    std::fprintf(stderr, "tsan_absl_annotations: %s not found\n", mangled);
    std::abort();
  }
  return reinterpret_cast<Fn>(f);
}

using MutexFn = void (*)(absl::Mutex*);
using TryFn = bool (*)(absl::Mutex*);
using WaitFn = void (*)(absl::CondVar*, absl::Mutex*);
using WaitDeadlineFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Time);
using WaitTimeoutFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Duration);
using AwaitFn = void (*)(absl::Mutex*, const absl::Condition&);
using AwaitTimeoutFn = bool (*)(absl::Mutex*, const absl::Condition&,
                                absl::Duration);
using AwaitDeadlineFn = bool (*)(absl::Mutex*, const absl::Condition&,
                                 absl::Time);
using EvalFn = bool (*)(const absl::Condition*);

char condition_token;

// Mangled names of the functions wrapped, in Debian's inline namespace.
#define ABSL_NS "N4absl7debian3"

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  static const MutexFn real = Real<MutexFn>("_Z" ABSL_NS "5Mutex4LockEv");
  real(this);
  __tsan_acquire(this);
  __tsan_acquire(&condition_token);
}

void Mutex::Unlock() {
  static const MutexFn real = Real<MutexFn>("_Z" ABSL_NS "5Mutex6UnlockEv");
  __tsan_release(this);
  __tsan_release(&condition_token);
  real(this);
}

void Mutex::Await(const Condition& cond) {
  static const AwaitFn real =
      Real<AwaitFn>("_Z" ABSL_NS "5Mutex5AwaitERKNS0_9ConditionE");
  __tsan_release(this);
  __tsan_release(&condition_token);
  real(this, cond);
  __tsan_acquire(this);
}

// The bounded waits free the lock and take it again as Await does (the
// write path's leader waits for its turn this way while it gathers the
// writers queued meanwhile).
bool Mutex::AwaitWithTimeout(const Condition& cond, absl::Duration timeout) {
  static const AwaitTimeoutFn real = Real<AwaitTimeoutFn>(
      "_Z" ABSL_NS "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  __tsan_release(this);
  __tsan_release(&condition_token);
  const bool met = real(this, cond, timeout);
  __tsan_acquire(this);
  return met;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  static const AwaitDeadlineFn real = Real<AwaitDeadlineFn>(
      "_Z" ABSL_NS "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  __tsan_release(this);
  __tsan_release(&condition_token);
  const bool met = real(this, cond, deadline);
  __tsan_acquire(this);
  return met;
}

void Mutex::LockWhen(const Condition& cond) {
  static const AwaitFn real =
      Real<AwaitFn>("_Z" ABSL_NS "5Mutex8LockWhenERKNS0_9ConditionE");
  real(this, cond);
  __tsan_acquire(this);
}

bool Condition::Eval() const {
  static const EvalFn real = Real<EvalFn>("_ZNK4absl7debian39Condition4EvalEv");
  __tsan_acquire(&condition_token);
  const bool result = real(this);
  __tsan_release(&condition_token);
  return result;
}

bool Mutex::TryLock() {
  static const TryFn real = Real<TryFn>("_Z" ABSL_NS "5Mutex7TryLockEv");
  const bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::ReaderLock() {
  static const MutexFn real =
      Real<MutexFn>("_Z" ABSL_NS "5Mutex10ReaderLockEv");
  real(this);
  __tsan_acquire(this);
}

void Mutex::ReaderUnlock() {
  static const MutexFn real =
      Real<MutexFn>("_Z" ABSL_NS "5Mutex12ReaderUnlockEv");
  __tsan_release(this);
  __tsan_release(&condition_token);
  real(this);
}

void CondVar::Wait(Mutex* mu) {
  static const WaitFn real =
      Real<WaitFn>("_Z" ABSL_NS "7CondVar4WaitEPNS0_5MutexE");
  __tsan_release(mu);
  real(this, mu);
  __tsan_acquire(mu);
}

bool CondVar::WaitWithDeadline(Mutex* mu, absl::Time deadline) {
  static const WaitDeadlineFn real = Real<WaitDeadlineFn>(
      "_Z" ABSL_NS "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  __tsan_release(mu);
  const bool timed_out = real(this, mu, deadline);
  __tsan_acquire(mu);
  return timed_out;
}

bool CondVar::WaitWithTimeout(Mutex* mu, absl::Duration timeout) {
  static const WaitTimeoutFn real = Real<WaitTimeoutFn>(
      "_Z" ABSL_NS "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  __tsan_release(mu);
  const bool timed_out = real(this, mu, timeout);
  __tsan_acquire(mu);
  return timed_out;
}

ABSL_NAMESPACE_END
}  // namespace absl
