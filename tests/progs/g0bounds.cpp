// tests/progs/g0bounds.cpp: g0's stack is exactly Go's: rt0_go lowers SP by
// 40 and aligns it to 16, hi = that SP, lo = hi - 64 KiB + 104; and m0/g0 are
// bound to each other and to this thread's TLS slot. Reads the runtime's
// internals (Go's export_test.go idea).
#include <cstdint>
#include <cstdio>

#include "runtime/runtime.hpp"

using namespace gort::runtime;

int main(int, char** argv) {
  // At _rt0_amd64_linux, SP points at argc, just below argv.
  uintptr_t sp0 = reinterpret_cast<uintptr_t>(argv) - 8;
  uintptr_t hi = (sp0 - 5 * 8) & ~uintptr_t(15);
  uintptr_t lo = hi - 64 * 1024 + 104;
  int fails = 0;
  auto check = [&](bool c, const char* what) {
    if (!c) std::printf("FAIL %s\n", what), fails++;
  };
  check(g0.stack.hi == hi, "g0.stack.hi == SP at rt0_go");
  check(g0.stack.lo == lo, "g0.stack.lo == hi - 64KiB + 104");
  check(g0.stackguard0 == lo + 928, "g0.stackguard0 == lo + StackGuard (set by mstart)");
  check(m0.g0 == &g0 && g0.m == &m0, "m0.g0 == &g0 && g0.m == &m0");
  check(m0.tls == reinterpret_cast<uintptr_t>(&tlsg), "m0.tls == &tlsg of this thread");
  check(getg()->goid == 1 && getg()->m == &m0 && m0.curg == getg(), "main runs as goroutine 1 on m0");
  check(m0.p == allp[0] && allp[0]->status == _Prunning, "m0 holds P0");
  for (int32_t i = 1; i < gomaxprocs; i++) check(allp[i]->status == _Pidle, "other Ps idle");
  check(m0.procid != 0, "minit recorded the thread id");
  std::printf("g0=[%#lx,%#lx) %s\n", g0.stack.lo, g0.stack.hi, fails == 0 ? "ok" : "BAD");
  return fails == 0 ? 0 : 1;
}
