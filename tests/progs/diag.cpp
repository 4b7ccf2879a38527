// tests/progs/diag.cpp: the diagnostics reports (tests/boot/diag_test.cpp).
// argv[1] names the scenario; each ends the program with a report on
// stderr and exit status 2:
//   deadlock   main blocks on a gort::mutex it holds, two goroutines wait on
//              a wait_group that never reaches zero: Go's deadlock report
//              with every goroutine and its wait reason
// The functions the reports must name are noinline, so that they keep
// their frames at -O2.
#include <gort/gort.hpp>

#include <cstdio>
#include <cstring>

#define NOINLINE __attribute__((noinline))

static gort::wait_group wg;

NOINLINE void diag_waiter(int i) {
  wg.wait();
  std::printf("waiter %d woke\n", i);
}

// (The printf after the second lock keeps that call from becoming a tail
// call, which would replace this frame.)
NOINLINE void diag_lock_twice() {
  static gort::mutex mu;
  mu.lock();
  mu.lock();
  std::printf("locked twice\n");
}

static int deadlock() {
  wg.add(1);
  for (int i = 0; i < 2; i++) gort::go(diag_waiter, i);
  gort::gosched();  // let them park first
  diag_lock_twice();
  return 0;
}

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  std::printf("diag %s\n", s);
  std::fflush(stdout);
  if (std::strcmp(s, "deadlock") == 0) return deadlock();
  std::printf("unknown scenario\n");
  return 1;
}
