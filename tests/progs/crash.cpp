// tests/progs/crash.cpp: Go's crash tests (src/runtime/crash_test.go with
// its helper, testdata/testprog), the scenarios that map to gort, one per
// argument; tests/diag/crash_test.cpp runs each in a fresh process and
// matches its output and status. Each scenario names the Go function it
// ports; where C++ differs (exceptions for panic/recover, a static
// constructor for package init) the comment says how.
#include <gort/gort.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>

#define NOINLINE __attribute__((noinline))

// InitDeadlock (testprog/deadlock.go): package init blocks for ever. Here
// a static constructor, which gort runs in runtime.main on the main
// goroutine, as Go runs init; armed by the environment, so that the other
// scenarios start normally.
static struct initdeadlock {
  initdeadlock() {
    if (std::getenv("CRASH_INITDEADLOCK") == nullptr) return;
    gort::chan<int> c(0);
    c.recv();
  }
} initdeadlock_;

// SimpleDeadlock: select {} in main.
static void simpledeadlock() { gort::select(); }

// LockedDeadlock: main locks its thread, then blocks for ever.
static void lockeddeadlock() {
  gort::lock_os_thread();
  gort::select();
}

// LockedDeadlock2: a goroutine locks its thread and blocks for ever; main
// blocks too.
static void lockeddeadlock2() {
  gort::go([] {
    gort::lock_os_thread();
    gort::select();
  });
  gort::sleep(std::chrono::milliseconds(10));
  gort::select();
}

// StackOverflow: unbounded recursion in a goroutine.
static volatile bool crash_stop = false;
NOINLINE static int crash_recurse(int n) {
  if (crash_stop) return 0;
  volatile char pad[512];
  pad[0] = char(n);
  return crash_recurse(n + 1) + pad[0];
}
static void stackoverflow() {
  gort::go([] { std::printf("%d\n", crash_recurse(0)); });
  gort::select();
}

// ThreadExhaustion: more goroutines locked to blocked threads than the
// thread limit allows (Go: debug.SetMaxThreads(10)).
static void threadexhaustion() {
  gort::set_max_threads(10);
  gort::chan<int> c(0);
  for (int i = 0; i < 100; i++)
    gort::go([c]() mutable {
      gort::lock_os_thread();
      c.recv();
    });
  gort::select();
}

// RecursivePanic: a panic recovered, wrapped and panicked again, recovered
// and printed; then a last one that nothing recovers. (Go's defer/recover
// are C++'s catch; the 8 KiB frame is Go's, kept.)
NOINLINE static void recursivepanic() {
  try {
    volatile char x[8192];
    x[0] = 0;
    (void)x[0];
    try {
      throw std::runtime_error("bad");
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("wrap: ") + e.what());
    }
  } catch (const std::exception& e) {
    std::printf("%s\n", e.what());
    std::fflush(stdout);
  }
  throw std::runtime_error("again");
}

// RecursivePanic2 in C++: the second panic comes from a destructor while
// the first unwinds. C++ ends that with std::terminate, which gort reports
// as a panic of the exception in flight; nothing is recovered.
struct throwsindtor {
  ~throwsindtor() noexcept(false) { throw std::runtime_error("second panic"); }
};
NOINLINE static void recursivepanic2() {
  throwsindtor t;
  throw std::runtime_error("first panic");
}

// GoNil: go of a nil func.
static void gonil() {
  std::function<void()> f;
  gort::go(f);
  gort::sleep(std::chrono::seconds(1));
  std::printf("go of nil function returned\n");
}

// MainGoroutineID: a panic in main is goroutine 1's.
static void maingoroutineid() { gort::panic("test"); }

// NoHelperGoroutines: a deadlock with no goroutine but main shows only
// main (the runtime's own, sysmon and the like, are not goroutines here,
// and would be hidden if they were).
static void nohelpergoroutines() {
  gort::chan<int> c(0);
  c.recv();
}

// Breakpoint: a breakpoint instruction (Go: runtime.Breakpoint).
static void breakpoint() { asm volatile("int3"); }

// PanicInlined: a nil dereference in a function that is inlined still
// shows that function's frame.
struct nilstruct {
  int f;
};
static inline int readnil(nilstruct* p) { return p->f; }
static void panicinlined() {
  nilstruct* volatile p = nullptr;
  std::printf("%d\n", readnil(p));
}

// RuntimePanic: a runtime error is a panic with Go's wording (Go: a nil
// map write; here an integer division by zero).
static void runtimepanic() {
  volatile int n = 7, zero = 0;
  std::printf("%d\n", n / zero);
}

// Abort: std::abort from a goroutine (Go: runtime.abort reached).
static void abortit() {
  gort::go([] { std::abort(); });
  gort::select();
}

// PanicRace: several goroutines panic at once: no report clobbered, no
// "panic during panic", no "unexpected" fatal error.
static void panicrace() {
  gort::gomaxprocs(4);
  gort::wait_group ready;
  gort::chan<int> start(0);
  for (int i = 0; i < 8; i++) {
    ready.add(1);
    gort::go([&ready, start]() mutable {
      ready.done();
      start.recv();
      throw std::runtime_error("crash");
    });
  }
  ready.wait();
  start.close();
  gort::sleep(std::chrono::seconds(5));
  std::printf("no panic\n");
}

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  struct {
    const char* name;
    void (*fn)();
  } scenarios[] = {
      {"SimpleDeadlock", simpledeadlock},
      {"InitDeadlock", simpledeadlock},  // never reached: the constructor deadlocks
      {"LockedDeadlock", lockeddeadlock},
      {"LockedDeadlock2", lockeddeadlock2},
      {"StackOverflow", stackoverflow},
      {"ThreadExhaustion", threadexhaustion},
      {"RecursivePanic", recursivepanic},
      {"RecursivePanic2", recursivepanic2},
      {"GoNil", gonil},
      {"MainGoroutineID", maingoroutineid},
      {"NoHelperGoroutines", nohelpergoroutines},
      {"Breakpoint", breakpoint},
      {"PanicInlined", panicinlined},
      {"RuntimePanic", runtimepanic},
      {"Abort", abortit},
      {"PanicRace", panicrace},
  };
  for (auto& sc : scenarios)
    if (std::strcmp(s, sc.name) == 0) {
      sc.fn();
      return 0;
    }
  std::fprintf(stderr, "crash: unknown scenario %s\n", s);
  return 1;
}
