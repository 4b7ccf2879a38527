// tests/boot/startup_test.cpp: what a gort program costs at start-up
// (bench/README.md, "boot"). A program whose only goroutine is main runs on
// the process's one thread: sysmon starts with the first goroutine or timer
// (proc.cpp, startsysmon), or at once under schedtrace.
#include <criterion/criterion.h>

#include <cstdio>
#include <string>
#include <vector>

#include "harness.hpp"
#include "sanitize.hpp"

static result startup(const std::string& v, const char* what, int procs, std::vector<std::string> env = {}) {
  return runp(v, "startup", procs, {what}, env, 30);
}

#define EXPECT(cond, what) cr_assert((cond), "%s: %s\n%s", v.c_str(), what, show(r).c_str())

Test(startup, main_alone_runs_on_one_thread) {
  for (const std::string& v : variants()) {
    result r = startup(v, "none", 2);
    EXPECT(r.exited && r.status == 0, "exit 0");
    EXPECT(r.out == "threads at main: 1\n", "one thread: no sysmon, no other M");
  }
}

Test(startup, sysmon_starts_with_the_first_timer_or_goroutine) {
  for (const std::string& v : variants()) {
    // At GOMAXPROCS=1 no idle P wants an M of its own for the timer or
    // the goroutine: the second thread is sysmon's.
    // (Under TSan, its background thread, which its pthread_create starts
    // with the first thread, is one more.)
    std::string two = test_sanitizer() == "thread" ? "3" : "2";
    result r = startup(v, "timer", 1);
    EXPECT(r.exited && r.status == 0, "exit 0");
    EXPECT(r.out == "threads at main: 1\nthreads after a timer: " + two + "\n", "sysmon with the timer");
    r = startup(v, "goroutine", 1);
    EXPECT(r.exited && r.status == 0, "exit 0");
    EXPECT(r.out == "threads at main: 1\nthreads after a goroutine: " + two + "\n", "sysmon with the goroutine");
    // schedtrace is printed by sysmon: it starts in runtime.main, so main
    // sees at least its thread. At least, not exactly: with sysmon running
    // from the start, retake may hand main's P to a new M while main is in
    // a system call (Go's rule at GOMAXPROCS=1: no idle or spinning M), and
    // CI once saw 3 in the nolibc run, with "spinningthreads=1 runqueue=1"
    // in the first trace line.
    r = startup(v, "none", 1, {"GODEBUG=schedtrace=1000"});
    EXPECT(r.exited && r.status == 0, "exit 0");
    int n = 0;
    EXPECT(std::sscanf(r.out.c_str(), "threads at main: %d\n", &n) == 1 && n >= 2, "sysmon at once under schedtrace");
  }
}
