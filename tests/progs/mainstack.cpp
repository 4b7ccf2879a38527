// tests/progs/mainstack.cpp: goroutine 1 runs on the process's initial
// stack (runtime/stack.cpp, mainstackinit), so what glibc says about the
// main thread's stack is true of it: pthread_getattr_np's bounds hold
// main's frames and its runtime bounds, __libc_stack_end is above them,
// and main can use (nearly) RLIMIT_STACK of stack, as a C++ main can.
// Before: main ran on a mapping of its own, outside both.
// hosted only: glibc's description of the initial stack (pthread_getattr_np, __libc_stack_end)
#include <pthread.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "check.hpp"
#include "runtime/runtime.hpp"

extern "C" void* __libc_stack_end;

// Uses about n bytes of stack below the caller.
__attribute__((noinline)) static long deep(long n) {
  volatile char buf[4096];
  std::memset(const_cast<char*>(buf), int(n), sizeof buf);
  return n <= 4096 ? buf[0] : deep(n - 4096) + buf[100];
}

int main() {
  using namespace gort::runtime;
  pthread_attr_t a;
  void* lo = nullptr;
  size_t sz = 0;
  bool attr = pthread_getattr_np(pthread_self(), &a) == 0;
  if (attr) {
    attr = pthread_attr_getstack(&a, &lo, &sz) == 0;
    pthread_attr_destroy(&a);  // (LSan reports it otherwise: check-asan)
  }
  auto l = reinterpret_cast<uintptr_t>(lo), h = l + sz;
  char here;
  auto sp = reinterpret_cast<uintptr_t>(&here);
  g* gp = getg();
  std::printf("glibc [%#lx, %#lx) g1 [%#lx, %#lx) __libc_stack_end %p local %p\n", l, h, gp->stack.lo,
              gp->stack.hi, __libc_stack_end, static_cast<void*>(&here));
  progs::report("getattr_np", attr && sp >= l && sp < h);
  progs::report("bounds", gp->goid == 1 && gp->stack.lo >= l && gp->stack.hi <= h && sp >= gp->stack.lo &&
                              sp < gp->stack.hi);
  progs::report("libc_stack_end", reinterpret_cast<uintptr_t>(__libc_stack_end) > sp &&
                                      reinterpret_cast<uintptr_t>(__libc_stack_end) >= gp->stack.hi &&
                                      reinterpret_cast<uintptr_t>(__libc_stack_end) < h + 4096);
  rlimit rl{};
  getrlimit(RLIMIT_STACK, &rl);
  // Three quarters of the limit (or of 8 MiB if unlimited): more than a
  // goroutine's stack, less than what a C++ main would have.
  long want = long((rl.rlim_cur == RLIM_INFINITY ? 8u << 20 : rl.rlim_cur) / 4 * 3);
  deep(want);
  progs::report("deep", true);
  return progs::fails == 0 ? 0 : 1;
}
