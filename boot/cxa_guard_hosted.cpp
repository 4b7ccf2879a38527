// boot/cxa_guard_hosted.cpp: the C++ ABI's guards of function-local
// statics (__cxa_guard_acquire, __cxa_guard_release, __cxa_guard_abort),
// for goroutines (hosted flavour: the protocol is libstdc++'s).
//
// The compiler guards `static T x = init();` in a function with a call to
// __cxa_guard_acquire, which returns 1 to the one caller that is to run
// init(), makes the others wait until it has, and is ended by
// __cxa_guard_release (or __cxa_guard_abort, when init() throws).
// libstdc++'s version (libsupc++/guard.cc) waits with a futex on the guard,
// which blocks the M, and it tells a recursive initialisation (init()
// reaching its own static again, 18_support/96817) from a concurrent one
// only while glibc believes the process single-threaded
// (__libc_single_threaded), where it throws __gnu_cxx::recursive_init_error.
// A gort program always has several threads (sysmon's M starts before any
// constructor), so there the recursion waits on itself for ever.
//
// These definitions are in the crt, so the program's own calls bind to them
// (and, the executable coming first in the lookup scope, its libraries'
// calls too). They keep libstdc++'s protocol exactly, so that a guard may be
// shared with code that still calls libstdc++'s: the first int of the
// 64-bit guard is 0 (not yet), kGuardBit (done), or kPendingBit (under
// way), with kWaitingBit when threads sleep on its futex. They add two
// things:
//  - the second int, which libstdc++ leaves alone, names who runs init():
//    the goroutine (its id, bit 31 clear) or the thread that gort does not
//    run (its tid, bit 31 set). Finding the guard pending with one's own
//    name is a recursion: recursive_init_error is thrown, as libstdc++ does
//    in a single-threaded process. GCC calls __cxa_guard_acquire as a
//    function that cannot throw, so this ends in std::terminate: the
//    program's handler if it set one, else gort's panic report ("panic:
//    recursive initialisation of a function-local static", runtime/api.cpp)
//    and exit status 2. An error, never a hang.
//  - a goroutine that must wait yields, then sleeps on timers with a
//    growing period (10 us to 1 ms): it parks, and never blocks its M, so
//    the goroutine it waits for can run on that M even at GOMAXPROCS=1. A
//    thread that gort does not run waits on the futex, as in libstdc++.
// The owner is cleared before the first int changes, so an owner read after
// seeing kPendingBit is the current one or 0, never a stale own name.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cxxabi.h>

#include "../runtime/runtime.hpp"

namespace {

using gort::runtime::g;
using gort::runtime::uint32;

constexpr int kGuardBit = 1;          // byte 0: initialised (the ABI's test)
constexpr int kPendingBit = 1 << 8;   // byte 1: init() under way
constexpr int kWaitingBit = 1 << 16;  // byte 2: threads sleep on the futex

struct guardword {
  std::atomic<int> state;
  std::atomic<uint32> owner;  // 0, or the name of whoever runs init()
};
static_assert(sizeof(guardword) == 8);

// A name for the caller: its goroutine, or its thread when it runs no
// goroutine (a thread gort does not manage, a constructor of a library
// before the runtime started, runtime code on g0).
uint32 guardowner(bool* goroutine) {
  g* gp = gort::runtime::getg();
  *goroutine = gp != nullptr && gp->m != nullptr && gp == gp->m->curg && gp->goid > 0;
  if (*goroutine) {
    uint32 id = uint32(gp->goid) & 0x7fffffff;
    return id != 0 ? id : 0x7fffffff;
  }
  return 0x80000000u | uint32(gort::runtime::gettid());
}

void guardwake(guardword* gw) {
  syscall(SYS_futex, &gw->state, FUTEX_WAKE, INT_MAX, nullptr);
}

}  // namespace

// The exception libstdc++ throws for a recursion. Its shared library does
// not export the class (only the static libsupc++.a has it), so it is
// defined here, as libsupc++'s guard_error.cc defines it: a program that
// catches __gnu_cxx::recursive_init_error catches this one.
__gnu_cxx::recursive_init_error::recursive_init_error() noexcept {}
__gnu_cxx::recursive_init_error::~recursive_init_error() noexcept {}

extern "C" int __cxxabiv1::__cxa_guard_acquire(__guard* guard) {
  auto* gw = reinterpret_cast<guardword*>(guard);
  if (reinterpret_cast<std::atomic<unsigned char>*>(guard)->load(std::memory_order_acquire) != 0) return 0;
  bool goroutine;
  uint32 me = guardowner(&goroutine);
  for (int round = 0;; round++) {
    int expected = 0;
    if (gw->state.compare_exchange_strong(expected, kPendingBit, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      gw->owner.store(me, std::memory_order_relaxed);
      return 1;
    }
    if (expected == kGuardBit) return 0;
    if (gw->owner.load(std::memory_order_relaxed) == me) throw __gnu_cxx::recursive_init_error();
    if (goroutine) {
      if (round < 8)
        gort::runtime::Gosched();
      else
        gort::runtime::timeSleep(round < 15 ? gort::runtime::int64(10000) << (round - 8) : 1000000);
      continue;
    }
    if ((expected & kWaitingBit) == 0) {
      int want = expected | kWaitingBit;
      if (!gw->state.compare_exchange_strong(expected, want, std::memory_order_acq_rel, std::memory_order_acquire))
        continue;
      expected = want;
    }
    syscall(SYS_futex, &gw->state, FUTEX_WAIT, expected, nullptr);
  }
}

extern "C" void __cxxabiv1::__cxa_guard_release(__guard* guard) noexcept {
  auto* gw = reinterpret_cast<guardword*>(guard);
  gw->owner.store(0, std::memory_order_relaxed);
  if ((gw->state.exchange(kGuardBit, std::memory_order_acq_rel) & kWaitingBit) != 0) guardwake(gw);
}

extern "C" void __cxxabiv1::__cxa_guard_abort(__guard* guard) noexcept {
  auto* gw = reinterpret_cast<guardword*>(guard);
  gw->owner.store(0, std::memory_order_relaxed);
  if ((gw->state.exchange(0, std::memory_order_acq_rel) & kWaitingBit) != 0) guardwake(gw);
}
