// tests/progs/diag.cpp: the diagnostics reports (tests/diag/diag_test.cpp).
// argv[1] names the scenario; each ends the program with a report on
// stderr and exit status 2:
//   deadlock   main blocks on a gort::mutex it holds, two goroutines wait on
//              a wait_group that never reaches zero: Go's deadlock report
//              with every goroutine and its wait reason
//   throw      a goroutine throws std::runtime_error("boom") that nothing
//              catches, while main waits: "panic: boom" and the stack at
//              the throw point; destructors on the way do not run
//   throw_int  main throws 42: "panic: int(42)"
//   throw_obj  main throws a struct: "panic: (diag_obj) 0x..."
//   panic      gort::panic("gort panic") on a goroutine, uncaught
//   recover    gort::panic caught by a catch (Go's recover): exits 0 with
//              "recovered: msg" and the destructor run
//   nil        a goroutine writes through a null pointer: Go's nil pointer
//              dereference panic with the [signal SIGSEGV ...] line
//   divzero    integer division by zero in main: SIGFPE as a panic
//   fault      a store to an unmapped address above 0x1000: Go's
//              "unexpected fault address" fatal error
//   sigill     __builtin_trap (ud2) in main: SIGILL's report
//   overflow   endless recursion on a goroutine: stack overflow
//   sigquit    main sends itself SIGQUIT while two goroutines wait: a dump
//              of all goroutines and the registers
// The functions the reports must name are noinline, so that they keep
// their frames at -O2.
#include <gort/gort.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

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

struct noisy {
  ~noisy() { std::fputs("destructor ran\n", stderr); }
};

NOINLINE void diag_thrower(int depth) {
  noisy n;
  if (depth > 0) {
    diag_thrower(depth - 1);
    std::printf("unreachable\n");
  }
  throw std::runtime_error("boom");
}

NOINLINE void diag_panicker() {
  noisy n;
  gort::panic("gort panic");
}

struct diag_obj {
  int x;
};

NOINLINE void diag_nil(int* volatile* pp) {
  **pp = 1;
  std::printf("unreachable\n");
}

NOINLINE int diag_divide(int a, int b) { return a / b; }

static volatile bool diag_stop = false;

NOINLINE int diag_recurse(int n) {
  if (diag_stop) return 0;
  volatile char buf[256];
  buf[0] = char(n);
  return diag_recurse(n + 1) + buf[0];
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
  if (std::strcmp(s, "throw") == 0 || std::strcmp(s, "panic") == 0) {
    bool p = s[0] == 'p';
    wg.add(1);
    gort::go([p] {
      if (p) diag_panicker();
      else diag_thrower(2);
      wg.done();
    });
    wg.wait();
    return 0;
  }
  if (std::strcmp(s, "nil") == 0 || std::strcmp(s, "overflow") == 0) {
    bool nil = s[0] == 'n';
    wg.add(1);
    gort::go([nil] {
      int* volatile p = nullptr;
      if (nil)
        diag_nil(&p);
      else
        std::printf("%d\n", diag_recurse(0));
      wg.done();
    });
    wg.wait();
    return 0;
  }
  if (std::strcmp(s, "divzero") == 0) {
    volatile int zero = 0;
    std::printf("%d\n", diag_divide(1, zero));
    return 0;
  }
  if (std::strcmp(s, "fault") == 0) {
    int* volatile p = reinterpret_cast<int*>(0xdead0000);
    diag_nil(&p);
    return 0;
  }
  if (std::strcmp(s, "sigill") == 0) __builtin_trap();
  if (std::strcmp(s, "sigquit") == 0) {
    wg.add(1);
    for (int i = 0; i < 2; i++) gort::go(diag_waiter, i);
    gort::gosched();
    kill(getpid(), SIGQUIT);
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) gort::gosched();
    return 1;
  }
  if (std::strcmp(s, "throw_int") == 0) throw 42;
  if (std::strcmp(s, "throw_obj") == 0) throw diag_obj{7};
  if (std::strcmp(s, "recover") == 0) {
    try {
      diag_panicker();
    } catch (const gort::panic_error& e) {
      std::printf("recovered: %s\n", e.what());
      return 0;
    }
    return 1;
  }
  std::printf("unknown scenario\n");
  return 1;
}
