// runtime/sanitizer.hpp: telling AddressSanitizer, ThreadSanitizer and
// valgrind about gort's stacks and the switches between them.
//
// A goroutine switch moves the stack pointer from one mmap'd stack to
// another. Tools that track stacks see that as a wild jump: ASan then
// "ignores requested __asan_handle_no_return" and reports false
// stack-buffer-underflows after exceptions, TSan attributes the goroutines'
// accesses to whichever thread runs them, and valgrind's memcheck reports
// every access to the new stack. So:
//   - ASan (SANITIZE=address): each stack is a "fiber": the code about to
//     switch calls sanleave (__sanitizer_start_switch_fiber), and the code
//     that runs first on the new stack calls sanarrive
//     (__sanitizer_finish_switch_fiber). A goroutine keeps the fake stack
//     ASan lends it (use-after-return detection) in g::asanfake while it
//     does not run; g0's frames are abandoned each time it leaves, so it
//     keeps none.
//   - TSan (SANITIZE=thread): each goroutine is a TSan fiber
//     (__tsan_create_fiber when it first runs, destroyed when it exits), and
//     each g0 is its thread's own; sanleave switches to the fiber of the G
//     whose stack comes next (__tsan_switch_to_fiber), with synchronisation,
//     so that what a goroutine did before a switch happens before what it
//     does after it, wherever it resumes. The functions that run on g0 and
//     never return (schedule, execute, the mcall targets) are not
//     instrumented (GORT_NOTSAN): their frames would pile up on the g0
//     fiber's shadow stack for ever.
//   - valgrind: every goroutine stack is registered with
//     VALGRIND_STACK_REGISTER, a client request (a magic instruction
//     sequence, a no-op when not under valgrind): memcheck then takes a
//     jump between stacks for a switch, not for a stack that grew or
//     shrank by that much (which marked the stacks between as freed).
// In other builds everything here is empty, and costs nothing.
#pragma once

#include <valgrind/valgrind.h>

#include "runtime2.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define GORT_ASAN 1
// For the code that runs on the signal stack and calls a function that
// does not return: ASan puts __asan_handle_no_return before such calls,
// and on the signal stack that asks pthread_getattr_np for the thread's
// stack, which calls calloc: in a handler, a deadlock when the signal
// interrupted ASan's allocator, or in the child of a fork that another
// thread did while holding its lock (a death test's abort()).
#define GORT_NOASAN __attribute__((no_sanitize("address")))
#else
#define GORT_ASAN 0
#define GORT_NOASAN
#endif
#if defined(__SANITIZE_THREAD__)
#define GORT_TSAN 1
#define GORT_NOTSAN __attribute__((no_sanitize("thread")))
#else
#define GORT_TSAN 0
#define GORT_NOTSAN
#endif

extern "C" {
void __sanitizer_start_switch_fiber(void** fake_stack_save, const void* bottom, unsigned long size);
void __sanitizer_finish_switch_fiber(void* fake_stack_save, const void** bottom_old, unsigned long* size_old);
void* __tsan_get_current_fiber();
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
void __tsan_ignore_thread_begin();
void __tsan_ignore_thread_end();
void __asan_unpoison_memory_region(const volatile void* addr, unsigned long size);
void __lsan_register_root_region(const void* p, unsigned long size);
void __lsan_unregister_root_region(const void* p, unsigned long size);
}

namespace gort::runtime {

// sancaller: whether pc, a hook's return address, lies in the TSan
// runtime, whose text [tsanlo, tsanhi) the hosted flavour finds at
// start-up (boot/flavour_hosted.cpp). Such calls bypass the scheduler. TSan
// symbolizes a report's stacks with libbacktrace, in the reporting thread,
// and libbacktrace opens and reads the debug files through plain
// open/read/close: in a gort program those are the runtime's hooks (the
// executable's definitions bind first), which entered the scheduler from
// inside TSan's report. There TSan ignores synchronisation, so the
// scheduler's own accesses were reported as races in turn, and the nested
// report waited for a lock the outer one held: the program hung at its
// first race report.
#if GORT_TSAN
extern uintptr tsanlo, tsanhi;
// (Not instrumented: it runs inside TSan's own reports, whose symbolizer
// opens files through the hooks, and a report of its read of tsanlo there
// would wait for the lock the outer report holds.)
GORT_NOTSAN inline bool sancaller(void* pc) {
  uintptr a = reinterpret_cast<uintptr>(pc);
  return a >= tsanlo && a < tsanhi;
}
#else
inline constexpr bool sancaller(void*) { return false; }
#endif

// Whether a switch needs the hooks at all (mcall and systemstack take a
// detour through a trampoline only then).
inline constexpr bool sanfibers = GORT_ASAN || GORT_TSAN;

// sanleave: the current stack is about to give way to the stack [lo, hi)
// of `to`. resumes: the current stack's frames will be resumed (a
// goroutine's), so ASan keeps its fake stack in from->asanfake; g0's are
// abandoned. tsan: whether TSan should switch fibers (not for the report
// stack, which runs on the same fiber, as a call does). Not instrumented
// (GORT_NOTSAN) and always inlined: TSan's function entry would be pushed
// on the shadow stack of the fiber we leave and its exit popped from the
// one we switch to, so that g0's fiber grew by a frame at every execute
// until its shadow stack overflowed (a SIGSEGV inside TSan).
GORT_NOTSAN __attribute__((always_inline)) inline void sanleave([[maybe_unused]] g* from, [[maybe_unused]] bool resumes, [[maybe_unused]] g* to,
                     [[maybe_unused]] uintptr lo, [[maybe_unused]] uintptr hi, [[maybe_unused]] bool tsan = true) {
#if GORT_ASAN
  __sanitizer_start_switch_fiber(resumes ? &from->asanfake : nullptr, reinterpret_cast<void*>(lo), hi - lo);
#endif
#if GORT_TSAN
  if (tsan && to != nullptr && to->tsanfiber != nullptr) __tsan_switch_to_fiber(to->tsanfiber, 0);
#endif
}

// sanarrive: the first thing on the stack of gp after a switch (gp null:
// a stack that keeps no fake stack, g0's or the report's).
inline void sanarrive([[maybe_unused]] g* gp) {
#if GORT_ASAN
  void* fake = nullptr;
  if (gp != nullptr) {
    fake = gp->asanfake;
    gp->asanfake = nullptr;
  }
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
}

// sanarriveg0: arriving on g0, which starts afresh from the top each time
// (its frames are abandoned when it leaves): the space below may still hold
// the poison of their locals' red zones, which the new frames would trip
// on. Cleared here, from the stack's bottom to just below this frame.
inline void sanarriveg0([[maybe_unused]] g* g0p) {
  sanarrive(nullptr);
#if GORT_ASAN
  uintptr sp = reinterpret_cast<uintptr>(__builtin_frame_address(0)) - 256;
  if (sp > g0p->stack.lo && sp <= g0p->stack.hi)
    __asan_unpoison_memory_region(reinterpret_cast<void*>(g0p->stack.lo), sp - g0p->stack.lo);
#endif
}

// lsanroot / lsanunroot: the runtime's own mappings (its objects, timer
// heaps, goroutine stacks) hold pointers to memory the program allocated
// (a timer's channel, a goroutine's heap closure); LeakSanitizer scans
// only what malloc gave, globals and threads' stacks, so it is told to
// scan these too, or it would call that memory leaked.
inline void lsanroot([[maybe_unused]] void* p, [[maybe_unused]] uintptr n) {
#if GORT_ASAN
  __lsan_register_root_region(p, n);
#endif
}
inline void lsanunroot([[maybe_unused]] void* p, [[maybe_unused]] uintptr n) {
#if GORT_ASAN
  __lsan_unregister_root_region(p, n);
#endif
}

// santhread: a new M's thread has started, on its g0: its TSan fiber is
// the thread's own.
inline void santhread([[maybe_unused]] g* g0p) {
#if GORT_TSAN
  g0p->tsanfiber = __tsan_get_current_fiber();
#endif
}

// sangostart: gp is about to run for the first time (gostartstack).
inline void sangostart([[maybe_unused]] g* gp) {
#if GORT_ASAN
  // A reused stack may hold the poison of an earlier goroutine's frames.
  __asan_unpoison_memory_region(reinterpret_cast<void*>(gp->stack.lo), gp->stack.hi - gp->stack.lo);
#endif
#if GORT_TSAN
  if (gp->tsanfiber == nullptr) gp->tsanfiber = __tsan_create_fiber(0);
#endif
}

// sangoexit: gp has exited; the caller runs on g0, another fiber.
inline void sangoexit([[maybe_unused]] g* gp) {
#if GORT_TSAN
  if (gp->tsanfiber != nullptr) __tsan_destroy_fiber(gp->tsanfiber);
  gp->tsanfiber = nullptr;
#endif
}

// sandying: this thread is about to print a fatal report. The report reads
// the state of Ms and Gs that other threads may still be changing (it
// stops them only at their next scheduling point: freezetheworld), as
// Go's does, knowing the race; TSan is told to ignore this thread's
// memory accesses from here on, so that a crash is reported as in any
// other build, not with data-race warnings about its report.
inline void sandying() {
#if GORT_TSAN
  __tsan_ignore_thread_begin();
#endif
}

// sanracyreads: schedtrace's dump reads every P's, M's and G's fields
// while their owners change them, as Go's does (its comment: "most data can
// be changed concurrently"), and sysmon's retakeblocked and preemptone
// read an M that may have exited and be rebuilt by allocm meanwhile
// (retakeblocked acts only once its checks hold twice; a stale preemption
// request is harmless, as in Go); TSan ignores this thread's plain accesses between
// sanracyreads(true) and sanracyreads(false) (its atomics still order).
inline void sanracyreads([[maybe_unused]] bool on) {
#if GORT_TSAN
  if (on)
    __tsan_ignore_thread_begin();
  else
    __tsan_ignore_thread_end();
#endif
}
// The same for a scope, ended early by end().
struct sanracyscope {
  bool on = true;
  sanracyscope() { sanracyreads(true); }
  void end() {
    if (on) sanracyreads(false);
    on = false;
  }
  ~sanracyscope() { end(); }
  sanracyscope(const sanracyscope&) = delete;
  sanracyscope& operator=(const sanracyscope&) = delete;
};

// asanstart and asanfinish: the bare ASan fiber calls, for a stack that no
// g owns (the report stack: panic.cpp); asanfinish gives the bounds of the
// stack left.
inline void asanstart([[maybe_unused]] void** save, [[maybe_unused]] uintptr lo, [[maybe_unused]] uintptr hi) {
#if GORT_ASAN
  __sanitizer_start_switch_fiber(save, reinterpret_cast<void*>(lo), hi - lo);
#endif
}
inline void asanfinish([[maybe_unused]] void* save, uintptr* oldlo, uintptr* oldhi) {
  *oldlo = *oldhi = 0;
#if GORT_ASAN
  const void* bottom = nullptr;
  unsigned long size = 0;
  __sanitizer_finish_switch_fiber(save, &bottom, &size);
  *oldlo = reinterpret_cast<uintptr>(bottom);
  *oldhi = *oldlo + size;
#endif
}

// gostartsan is where a goroutine starts under a sanitizer (sanitizer.cpp):
// it arrives on its stack, then calls its entry.
void gostartsan(void* gp);

// vgstackregister tells valgrind that [lo, hi) is a goroutine's stack (or
// the report stack). g0 stacks are threads' stacks, which valgrind
// registers itself; under valgrind their guards are mprotect'd, so that
// it finds their bounds (runningOnValgrind, stackinit). No stack that is
// registered is ever unmapped (the main goroutine's could be, in
// principle: it never is, since its exit ends the process).
inline void vgstackregister(uintptr lo, uintptr hi) { VALGRIND_STACK_REGISTER(lo, hi); }
inline bool runningOnValgrind() { return RUNNING_ON_VALGRIND != 0; }

}  // namespace gort::runtime
