// tests/boot/traceback_test.cpp: how reports get their frames
// (runtime/tbhelper.hpp): a program loads no unwinder or symboliser, and
// its reports keep their named frames where the program's own malloc or
// memory cannot be used; without the helper, frames are addresses.
#include <criterion/criterion.h>

#include <string>
#include <vector>

#include "harness.hpp"
#include "sanitize.hpp"

#define EXPECT(cond, what) cr_assert((cond), "%s %s: %s\n%s", v.c_str(), scenario, what, show(r).c_str())

// At start-up a gort program loads what a plain C++ program loads: the
// traceback libraries are the helper's, not the program's. A nolibc
// program loads nothing at all.
Test(traceback, programs_load_no_traceback_library) {
  for (const std::string& v : variants()) {
    std::string needed = sh("readelf -dW " + prog(v, "diag") + " | grep NEEDED");
    if (flavour() == "nolibc")
      cr_assert(needed.empty(), "%s: a nolibc program needs shared objects:\n%s", v.c_str(), needed.c_str());
    else
      cr_assert(contains(needed, "libc.so.6"), "%s: %s", v.c_str(), needed.c_str());
    for (const char* lib : {"libunwind", "libdw", "libelf", "liblzma", "libz.", "libbz2"})
      cr_assert(!contains(needed, lib), "%s: %s is loaded at start-up:\n%s", v.c_str(), lib, needed.c_str());
  }
}

// A fault inside malloc, which holds its arena's lock: the report calls no
// malloc of the program's (before the helper, it waited for ever).
Test(traceback, fault_inside_malloc_is_reported) {
  HOSTED_ONLY("the scenario corrupts glibc's heap");
  SKIP_UNDER_SANITIZER("the sanitizer's allocator replaces glibc's, and the corrupting write is caught as a "
                       "use-after-free");
  const char* scenario = "malloc";
  for (const std::string& v : variants()) {
    result r = run({prog(v, "tb_crash"), scenario}, nullptr, 30);
    EXPECT(!r.timedout, "no hang");
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("unexpected fault address 0x10010\nfatal error: fault\n[signal SIGSEGV", 0) == 0, "header");
    size_t g1 = r.err.find("\ngoroutine 1 [running]:\n");
    EXPECT(g1 != std::string::npos, "goroutine 1");
    size_t m = r.err.find("malloc", g1), t = r.err.find("\ntb_corrupt_heap_and_malloc()\n\t", g1),
           mainf = r.err.find("\nmain(", g1);
    EXPECT(m != std::string::npos && t != std::string::npos && mainf != std::string::npos && m < t && t < mainf,
           "frames: malloc, tb_corrupt_heap_and_malloc, main");
    EXPECT(contains(r.err, "tests/progs/tb_crash.cpp:"), "file:line");
    EXPECT(!contains(r.out, "malloc survived") && !contains(r.err, "static destructor ran"), "no exit()");
  }
}

// Out of memory (RLIMIT_AS of 10 MB: main's own stack cannot be mapped;
// it runs on the initial stack unless GORT_MAINSTACKSIZE asks for more than
// fits there, as here): the report still names its frames (the helper is a
// fresh static process under the same limit), and the status is 2, not the
// exit(1) with which libdw, inside the program, gave up.
Test(traceback, out_of_memory_is_reported_with_frames) {
  SKIP_UNDER_SANITIZER("the sanitizer needs address space of its own, past any RLIMIT_AS the test can set");
  const char* scenario = "oom";
  for (const std::string& v : variants()) {
    result r = run({"/bin/sh", "-c", "ulimit -v 10000; ulimit -s 8192; GORT_MAINSTACKSIZE=16m exec \"$0\" oom",
                    prog(v, "tb_crash")},
                   nullptr, 60);
    EXPECT(!r.timedout, "no hang");
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("fatal error: out of memory", 0) == 0, "header");
    EXPECT(contains(r.err, "\nruntime.throw(") || contains(r.err, "\ngoroutine 1 ["), "named frames");
    EXPECT(!contains(r.err, "frames without names"), "the helper ran");
    EXPECT(!contains(r.err, "static destructor ran"), "no exit()");
  }
}

// Without the helper (GORT_TRACEBACK_HELPER names no program), the report
// is printed all the same, its frames as module+offset.
Test(traceback, without_the_helper_frames_are_addresses) {
  const char* scenario = "nil";
  for (const std::string& v : variants()) {
    std::vector<std::string> env = {"GORT_TRACEBACK_HELPER=/nonexistent/gort-traceback", "GOMAXPROCS=2"};
    result r = run({prog(v, "diag"), scenario}, &env, 30);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("panic: runtime error: invalid memory address or nil pointer dereference\n", 0) == 0, "header");
    EXPECT(contains(r.err, "\ngoroutine 2 [running]:\n"), "the goroutine");
    EXPECT(contains(r.err, "runtime: frames without names (the traceback helper /nonexistent/gort-traceback did not run)"),
           "the notice");
    EXPECT(contains(r.err, "?(...)\n\t" + prog(v, "diag") + "+0x"), "the faulting frame as module+offset");
    EXPECT(contains(r.err, "\ncreated by ?\n\t"), "created by, as an address");
  }
}
