// tests/stack/stack_test.cpp: goroutine stacks (stack.cpp): allocation, the
// guard below each stack, the per-P cache and the scavenger. Bare-structure
// tests: no scheduler runs here; the tests drive the functions directly.
// (A stack overflow in a running program is in tests/diag/diag_test.cpp,
// the stack sizes from the environment in tests/boot/boot_test.cpp.)
#include <criterion/criterion.h>

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <csignal>

#include <set>
#include <vector>

#include "bare.hpp"

TestSuite(stack, .init = bare_setup);

Test(stack, alloc_is_usable_and_reused_lifo) {
  stackinit();
  p* pp = newp();
  struct stack s = stackalloc(pp, startingStackSize);
  cr_assert_eq(s.hi - s.lo, startingStackSize);
  cr_assert_eq(s.lo % 4096, 0u);
  reinterpret_cast<char*>(s.lo)[0] = 1;
  reinterpret_cast<char*>(s.hi)[-1] = 1;
  stackfree(pp, s);
  struct stack t = stackalloc(pp, startingStackSize);
  cr_assert_eq(t.lo, s.lo);
}

Test(stack, odd_size_gets_its_own_mapping) {
  stackinit();
  p* pp = newp();
  struct stack s = stackalloc(pp, 1 << 20);
  cr_assert_eq(s.hi - s.lo, uintptr(1) << 20);
  reinterpret_cast<char*>(s.lo)[0] = 1;
  stackfree(pp, s);
}

Test(stack, guard_below_faults, .signal = SIGSEGV) {
  stackinit();
  p* pp = newp();
  struct stack s = stackalloc(pp, startingStackSize);
  reinterpret_cast<volatile char*>(s.lo)[-1] = 1;  // in the guard
}

// The kernel populates pages through process_madvise for the calling
// process (PIDFD_SELF, Linux 6.15), as stackmap asks it to.
static bool canpopulate() {
  void* v = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  iovec iov = {v, 4096};
  long r = syscall(SYS_process_madvise, -10000, &iov, 1, 23 /* MADV_POPULATE_WRITE */, 0);
  munmap(v, 4096);
  return r == 4096;
}

static bool resident(uintptr page) {
  unsigned char in = 0;
  cr_assert_eq(mincore(reinterpret_cast<void*>(page), 4096, &in), 0);
  return (in & 1) != 0;
}

// A fresh batch comes with the top page of each stack committed, in one
// call (populatetops), so that a new goroutine's first frames take no fault;
// the rest of each stack is only reserved.
Test(stack, fresh_batch_has_its_top_pages_committed) {
  if (!canpopulate()) cr_skip_test("the kernel has no process_madvise(PIDFD_SELF, MADV_POPULATE_WRITE)");
  if (GORT_ASAN) cr_skip_test("under AddressSanitizer guards are mprotect'd and tops are left to fault (stackinit)");
  stackinit();
  p* pp = newp();
  std::vector<struct stack> v = {stackalloc(pp, startingStackSize)};
  for (int i = 0; i < pp->stackcache.n; i++) v.push_back(pp->stackcache.s[i]);
  cr_assert_gt(v.size(), 1u);
  for (auto& s : v) {
    cr_assert(resident(s.hi - 4096), "top page of the stack at %#zx not committed", size_t(s.lo));
    cr_assert_not(resident(s.hi - 2 * 4096), "second page of the stack at %#zx committed", size_t(s.lo));
  }
}

Test(stack, cache_spills_and_scavenges) {
  stackinit();
  p* pp = newp();
  std::vector<struct stack> v;
  for (int i = 0; i < 200; i++) v.push_back(stackalloc(pp, startingStackSize));
  for (auto& s : v) {
    reinterpret_cast<char*>(s.hi)[-1] = 1;  // commit a page
    stackfree(pp, s);
  }
  cr_assert_leq(pp->stackcache.n, kStackCacheMax);
  // Freeing scavenges nothing by itself: sysmon's periodic pass does. The
  // first pass sees stacks that were pooled for part of a period only (the
  // pool's low-water mark was lower), so it keeps them; the second gives
  // back all that stayed pooled, except the 64 hot ones on top.
  uintptr pooled = 200 - uintptr(pp->stackcache.n);  // at least (batches of 16 may leave more)
  cr_assert_eq(stackscavengeidle(), 0u);
  uintptr second = stackscavengeidle();
  cr_assert_geq(second, pooled - 64, "second pass gave back %zu of %zu", size_t(second), size_t(pooled));
  cr_assert_eq(stackscavengeidle(), 0u);
  cr_assert_eq(stackscavenge(64), 0u);
  cr_assert_gt(stackscavenge(0), 0u);
  // A scavenged stack reads as zero when reused.
  std::set<uintptr> seen;
  for (int i = 0; i < 200; i++) {
    struct stack s = stackalloc(pp, startingStackSize);
    cr_assert(seen.insert(s.lo).second, "stack handed out twice");
  }
}
