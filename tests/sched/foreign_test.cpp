// tests/sched/foreign_test.cpp: threads that gort does not manage (issue
// 19, item 8) and fork() without exec (item 10), from
// tests/progs/foreign.cpp.
#include <criterion/criterion.h>

#include <string>

#include "harness.hpp"
#include "sanitize.hpp"

#define EXPECT(cond, what) cr_assert((cond), "%s %s P=%d: %s\n%s", v.c_str(), sc, procs, what, show(r).c_str())

// A non-blocking send from such a thread completes with the goroutine that
// waits, and readies it (before: SIGSEGV; and the waiting goroutine was
// reported as deadlocked while the thread lived).
Test(foreign, try_send_readies_the_receiver) {
  HOSTED_ONLY("std::thread needs the C library (tests/progs/foreign.cpp)");
  const char* sc = "try_send";
  for (const std::string& v : some_variants())
    for (int procs : {1, 2, 4}) {
      result r = runp(v, "foreign", procs, {sc});
      EXPECT(r.exited && r.status == 0, "exit 0");
      EXPECT(r.err == "got 42\ngot 7\n", "both values received");
    }
}

Test(foreign, done_unlock_and_close_wake_goroutines) {
  HOSTED_ONLY("std::thread needs the C library (tests/progs/foreign.cpp)");
  const char* sc = "wake";
  for (const std::string& v : some_variants())
    for (int procs : {1, 2}) {
      result r = runp(v, "foreign", procs, {sc});
      EXPECT(r.exited && r.status == 0 && r.err == "wait_group woken\nmutex woken\nclose seen\n", "all three");
    }
}

Test(foreign, select_with_default) {
  HOSTED_ONLY("std::thread needs the C library (tests/progs/foreign.cpp)");
  const char* sc = "select_default";
  int procs = 2;
  for (const std::string& v : some_variants()) {
    result r = runp(v, "foreign", procs, {sc});
    EXPECT(r.exited && r.status == 0 && r.err == "select=1\n", "the default case");
  }
}

// An operation that would wait is refused cleanly (before: SIGSEGV).
Test(foreign, blocking_operation_refused) {
  HOSTED_ONLY("std::thread needs the C library (tests/progs/foreign.cpp)");
  const char* sc = "blocking_send";
  int procs = 2;
  for (const std::string& v : some_variants()) {
    result r = runp(v, "foreign", procs, {sc});
    EXPECT(r.exited && r.status == 2, "exit 2");
    EXPECT(r.err.rfind("gort: gort called from a thread that gort does not manage", 0) == 0, "the message");
  }
}

// Once such threads are gone, a deadlock is reported again.
Test(foreign, deadlock_reported_after_the_threads) {
  HOSTED_ONLY("std::thread needs the C library (tests/progs/foreign.cpp)");
  const char* sc = "deadlock_after";
  int procs = 2;
  for (const std::string& v : some_variants()) {
    result r = runp(v, "foreign", procs, {sc});
    EXPECT(r.exited && r.status == 2 && contains(r.err, "fatal error: all goroutines are asleep - deadlock!"),
           "the deadlock");
  }
}

// Item 10: a child that only runs plain code exits normally; one that
// would schedule goroutines ends with a fatal error (before: it hung).
Test(foreign, fork_without_exec) {
  HOSTED_ONLY("std::thread needs the C library (tests/progs/foreign.cpp)");
  SKIP_FORK_CHILD_UNDER_TSAN();
  int procs = 2;
  for (const std::string& v : some_variants()) {
    const char* sc = "fork_exit";
    result r = runp(v, "foreign", procs, {sc}, {}, 30);
    EXPECT(r.exited && r.status == 0, "exit 0");
    EXPECT(r.err == "child: plain code runs\nparent: child exited 0\nparent: goroutines run\n", "the output");
    sc = "fork_block";
    r = runp(v, "foreign", procs, {sc}, {}, 30);
    EXPECT(r.exited && r.status == 0, "the parent exits 0");
    EXPECT(contains(r.err, "child: plain code runs\nfatal error: fork() without exec: "), "the child's fatal error");
    EXPECT(contains(r.err, "parent: child exited 2\nparent: goroutines run\n"), "status 2, and the parent goes on");
    EXPECT(!contains(r.err, "FAIL"), "no goroutine ran in the child");
  }
}
