// runtime/api.cpp: the public API in <gort/gort.hpp>, over the runtime.
#include "../include/gort/gort.hpp"

#include "chan.hpp"
#include "runtime.hpp"

namespace gort {

using namespace runtime;

static_assert(detail::closure_size == runtime::kClosureSize);
static_assert(sizeof(detail::chantype) == sizeof(runtime::chantype) &&
              offsetof(detail::chantype, move) == offsetof(runtime::chantype, move) &&
              offsetof(detail::chantype, destroy) == offsetof(runtime::chantype, destroy));
static_assert(sizeof(detail::scase) == sizeof(runtime::scase));
static_assert(detail::closure_align <= alignof(std::max_align_t) || detail::closure_align == 16);

// notstarted: a gort call from a thread that has no g: either the runtime
// never started (the program did not boot through _rt0_amd64_linux), or the
// caller is a thread gort does not manage (std::thread, pthread_create).
[[noreturn]] static void notstarted() {
  if (mainStarted.load())
    print("gort: gort called from a thread that gort does not manage (std::thread, pthread_create,\n"
          "gort: a library's thread): goroutines can be started and scheduled only from goroutines\n");
  else
    print("gort: the gort runtime is not running: this program was not started through its\n"
          "gort: entry point _rt0_amd64_linux. Link it with gort-c++ (or pkg-config gort).\n");
  exit_group(2);
}

static inline g* curg() {
  g* gp = getg();
  if (__builtin_expect(gp == nullptr, 0)) notstarted();
  return gp;
}

namespace detail {

spawn newproc_begin(void (*entry)(void*)) noexcept {
  g* gp = curg();
  uintptr pc = reinterpret_cast<uintptr>(__builtin_return_address(0));
  g* newg = newproc1(entry, nullptr, gp->m->curg, pc, false);
  newg->startarg = newg->closure;
  return {newg, newg->closure};
}

void newproc_end(void* gp) noexcept { newproc_start(static_cast<g*>(gp)); }

void newproc_cancel(void* gp) noexcept {
  m* mp = acquirem();
  gfput(mp->p, static_cast<g*>(gp));
  releasem(mp);
}

}  // namespace detail

void gosched() noexcept {
  curg();
  Gosched();
}

std::int64_t goid() noexcept { return curg()->goid; }

int num_goroutine() noexcept {
  curg();
  return gcount();
}

int num_cpu() noexcept { return ncpu; }

int gomaxprocs(int n) noexcept {
  curg();
  return GOMAXPROCS(n);
}

void lock_os_thread() noexcept {
  curg();
  LockOSThread();
}

int set_max_threads(int n) noexcept {
  curg();
  return setMaxThreads(n);
}

void unlock_os_thread() noexcept {
  curg();
  UnlockOSThread();
}

const char* version() noexcept { return "gort 0.1 (Go 1.19 scheduler semantics)"; }

}  // namespace gort
