// tests/diag/crash_test.cpp: ports of Go's crash tests (issue 19): each
// Test(crash, X) is Go's TestX of src/runtime/crash_test.go, run on the
// scenario of the same name in tests/progs/crash.cpp (Go's
// testdata/testprog) in a fresh process, matched on its output and exit
// status as Go matches it.
//
// Not ported, since nothing in gort maps to them: Goexit (TestGoexitCrash,
// TestGoexitDeadlock, TestGoexitDefer, TestGoexitInPanic and the
// *AfterGoexit ones: gort has no Goexit), Go's panic-inside-defer chains
// (TestRecursivePanic3-5, TestDoublePanic: a C++ destructor that throws
// while an exception unwinds is std::terminate, RecursivePanic2 below),
// maps (TestConcurrentMap*), pprof (TestMemPprof, TestTimePprof), the
// netpoller without a network (TestNetpollDeadlock: gort's poller starts
// with the first hooked call that would block), a g0 stack overflow
// (TestG0StackOverflow: nothing in a program runs on g0), and
// TestBadTraceback (Go's own frame tables). TestPanicDeadlockGosched,
// TestPanicLoop and TestPanicWhilePanicking are ported in
// panicreport_test.cpp, TestLockOSThreadAvoidsStatePropagation in
// lockedexit_test.cpp.
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/resource.h>

#include <string>
#include <vector>

#include "harness.hpp"

static result crash(const std::string& v, const char* scenario, std::vector<std::string> env = {}) {
  return runp(v, "crash", 2, {scenario}, env, 60);
}

#define EXPECT(cond, what) \
  cr_assert((cond), "%s %s: %s\n%s", v.c_str(), scenario, what, show(r).c_str())

static const char* const kDeadlock = "fatal error: all goroutines are asleep - deadlock!\n\n";

Test(crash, SimpleDeadlock) {
  const char* scenario = "SimpleDeadlock";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind(std::string(kDeadlock) + "goroutine 1 [select (no cases)]:\n", 0) == 0, "the report");
  }
}

// Package init is the program's static constructors, run on goroutine 1
// locked to the main thread.
Test(crash, InitDeadlock) {
  const char* scenario = "InitDeadlock";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario, {"CRASH_INITDEADLOCK=1"});
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind(std::string(kDeadlock) + "goroutine 1 [chan receive, locked to thread]:\n", 0) == 0,
           "the report");
  }
}

Test(crash, LockedDeadlock) {
  const char* scenario = "LockedDeadlock";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind(std::string(kDeadlock) + "goroutine 1 [select (no cases), locked to thread]:\n", 0) == 0,
           "the report");
  }
}

Test(crash, LockedDeadlock2) {
  const char* scenario = "LockedDeadlock2";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind(kDeadlock, 0) == 0, "the report");
    EXPECT(contains(r.err, "\ngoroutine 2 [select (no cases), locked to thread]:\n"), "the locked goroutine");
  }
}

Test(crash, StackOverflow) {
  const char* scenario = "StackOverflow";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("runtime: goroutine stack exceeds 262144-byte limit\nruntime: sp=", 0) == 0, "the limit");
    EXPECT(contains(r.err, " stack=[") && contains(r.err, "]\nfatal error: stack overflow\n"), "Go's lines");
    EXPECT(contains(r.err, "\ncrash_recurse(int)\n"), "the frames");
  }
}

Test(crash, ThreadExhaustion) {
  const char* scenario = "ThreadExhaustion";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("runtime: program exceeds 10-thread limit\nfatal error: thread exhaustion\n", 0) == 0,
           "the report");
  }
}

Test(crash, RecursivePanic) {
  const char* scenario = "RecursivePanic";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.out == "wrap: bad\n", "the recovered panic, wrapped");
    EXPECT(r.err.rfind("panic: again\n\ngoroutine 1 [running]:\nrecursivepanic()\n", 0) == 0, "the last panic");
  }
}

// Go recovers the second panic; C++ ends a throw out of a destructor
// during unwinding with std::terminate: the report is the first's.
Test(crash, RecursivePanic2) {
  const char* scenario = "RecursivePanic2";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("panic: first panic\n\ngoroutine 1 [running]:\n", 0) == 0, "the report");
  }
}

// Go throws at the go statement; so does gort::go, for a null function
// pointer or an empty std::function.
Test(crash, GoNil) {
  const char* scenario = "GoNil";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("fatal error: go of nil func value\n\ngoroutine 1 [running]:\n", 0) == 0, "the report");
    EXPECT(contains(r.err, "\ngonil()\n"), "the go statement's function");
    EXPECT(!contains(r.out, "returned") && !contains(r.err, "bad_function_call"), "no goroutine ran");
  }
}

Test(crash, MainGoroutineID) {
  const char* scenario = "MainGoroutineID";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("panic: test\n\ngoroutine 1 [running]:\n", 0) == 0, "goroutine 1");
  }
}

Test(crash, NoHelperGoroutines) {
  const char* scenario = "NoHelperGoroutines";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind(std::string(kDeadlock) + "goroutine 1 [chan receive]:\n", 0) == 0, "the report");
    EXPECT(count(r.err, "goroutine ") == 1, "main alone");
  }
}

// A breakpoint instruction: Go's SIGTRAP report (before: killed by the
// signal, no report), then death by SIGTRAP, not Go's exit 2, as C++
// tooling expects (issue 21: googletest's break-on-failure test).
Test(crash, Breakpoint) {
  const char* scenario = "Breakpoint";
  rlimit nocore{0, 0};
  setrlimit(RLIMIT_CORE, &nocore);
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(!r.exited && r.signal == SIGTRAP, "killed by SIGTRAP");
    EXPECT(r.err.rfind("SIGTRAP: trace trap\nPC=0x", 0) == 0, "the signal");
    EXPECT(contains(r.err, "\ngoroutine 1 [running]:\nbreakpoint()\n"), "the goroutine");
    EXPECT(contains(r.err, "\nrip    0x"), "the registers");
  }
}

Test(crash, PanicInlined) {
  const char* scenario = "PanicInlined";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("panic: runtime error: invalid memory address or nil pointer dereference\n"
                       "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x",
                       0) == 0,
           "the panic");
    EXPECT(contains(r.err, "\npanicinlined()\n"), "the frame");
  }
}

Test(crash, RuntimePanic) {
  const char* scenario = "RuntimePanic";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("panic: runtime error: integer divide by zero\n[signal SIGFPE: floating-point exception", 0) ==
               0,
           "the panic");
    EXPECT(contains(r.err, "\ngoroutine 1 [running]:\nruntimepanic()\n"), "the frame");
  }
}

// abort(3) in a goroutine. Go's TestAbort is about runtime.abort; a C++
// program's abort(3) raises SIGABRT itself, and a signal the program sends
// itself takes the action it takes in a plain C++ program (issue 21's
// rule, gort-debug(7)): killed by SIGABRT, no report.
Test(crash, Abort) {
  const char* scenario = "Abort";
  for (const std::string& v : some_variants()) {
    result r = crash(v, scenario);
    EXPECT(!r.exited && r.signal == SIGABRT, "killed by SIGABRT, as a plain C++ program");
    EXPECT(!contains(r.err, "fatal error:") && !contains(r.err, "SIGABRT: abort"), "no report");
  }
}

// Go's issue 30150: the reports of goroutines that panic at once are not
// clobbered. As in Go, more than one may be printed (each M that reached
// startpanic_m prints its own after the one before, then waits; the first
// to finish ends the process), each of them whole.
Test(crash, PanicRace) {
  const char* scenario = "PanicRace";
  for (const std::string& v : some_variants())
    for (int i = 0; i < 3; i++) {
      result r = crash(v, scenario);
      EXPECT(r.exited && r.status == 2, "exit status 2");
      EXPECT(r.err.rfind("panic: crash\n\ngoroutine ", 0) == 0, "a report");
      int n = count(r.err, "panic: ");
      EXPECT(n >= 1 && count(r.err, "panic: crash\n\ngoroutine ") == n && count(r.err, "\ncreated by panicrace()\n") == n,
             "each report whole");
      EXPECT(!contains(r.err, "panic during panic") && !contains(r.err, "unexpected") &&
                 !contains(r.out, "no panic"),
             "nothing else");
    }
}
