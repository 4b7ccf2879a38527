// tests/boot/realworld_test.cpp: what real C++ projects need of a process
// (issue 21): linking as g++ links (main in an archive, shared libraries),
// large thread_local data, the program's signal mask, death by signal,
// death tests (fork without exec), main's stack as glibc describes it (Boehm GC), pthread_exit, recursive
// static initialisation. Programs in tests/progs/, and some built here
// with gort-c++ from tests/link/.
#include <criterion/criterion.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "harness.hpp"
#include "sanitize.hpp"

#define EXPECT(cond, what) cr_assert(cond, "%s: %s: %s", v.c_str(), what, show(r).c_str())

// No core files from the deaths below, whatever the limit this inherited.
static void nocore() {
  rlimit rl{0, 0};
  setrlimit(RLIMIT_CORE, &rl);
}

// tests/link/, found from this file's path (the tests run from the
// source tree's root).
// fresh: the start of a shell command that empties directory d.
static std::string fresh(const std::string& d) { return "rm -rf '" + d + "' && mkdir -p '" + d + "' && "; }

static std::string linkdir() {
  std::string f = __FILE__;
  std::string dir = f.substr(0, f.rfind("/boot/")) + "/link";
  char buf[PATH_MAX];
  return realpath(dir.c_str(), buf) != nullptr ? buf : dir;
}

static std::string gortcxx() {
  const char* b = std::getenv("GORT_BIN");
  return std::string(b != nullptr ? b : "build/bin") + "/gort-c++";
}

// sh_ok runs a shell command (a build step) and fails the test if it fails.
static void sh_ok(const std::string& cmd) {
  result r = run({"/bin/sh", "-c", cmd}, nullptr, 300);
  cr_assert(r.exited && r.status == 0, "%s\n%s", cmd.c_str(), show(r).c_str());
}

// ---- building ----

// main in a static library (gtest_main, Catch2WithMain): the crt comes
// after the archives on the link line, so `-u main` (GORT_ENTRY) must make
// the linker take main from the archive. Before: "undefined reference to
// `main'". (check-install links the same through pkg-config.)
Test(realworld, main_in_a_static_library) {
  HOSTED_ONLY("builds hosted programs with gort-c++; the hosted run covers it");
  std::string d = test_dir() + "/realworld/archive", s = linkdir();
  sh_ok(fresh(d) + "cd '" + d + "' && " + gortcxx() + " -c '" + s +
        "/archive_main.cpp' '" + s + "/archive_tests.cpp' && ar rcs libmain.a archive_main.o && " + gortcxx() +
        " archive_tests.o libmain.a -o prog");
  std::string v = "archive";
  result r = run({d + "/prog"});
  EXPECT(r.exited && r.status == 0 && r.out == "main from the archive ran\n", "main from the archive");
}

// -shared builds a shared library as g++ does (before: refused), without a
// runtime of its own: the gort program it is linked into provides it, its
// goroutines and channels work, exceptions cross, its constructor runs.
Test(realworld, shared_library) {
  HOSTED_ONLY("builds hosted programs with gort-c++ (a static program loads no shared library)");
  std::string d = test_dir() + "/realworld/shlib", s = linkdir();
  sh_ok(fresh(d) + "cd '" + d + "' && " + gortcxx() +
        " -O2 -fPIC -shared '" + s + "/shlib.cpp' -o libshlib.so && " + gortcxx() + " -O2 '" + s +
        "/shlib_main.cpp' -L. -lshlib -Wl,-rpath,'$ORIGIN' -o prog");
  std::string v = "shlib";
  result r = run({"/bin/sh", "-c", "nm -D --defined-only '" + d + "/libshlib.so' | grep -c -e '^runtime\\.' -e ' runtime\\.' -e _rt0 -e newproc_begin || true"});
  EXPECT(r.out == "0\n", "the library holds none of the runtime");
  r = run({d + "/prog"});
  EXPECT(r.exited && r.status == 0, "exit 0");
  EXPECT(r.out == "sum 5050 ctor 1\ncaught: thrown in the shared library\n", "goroutines, constructor, throw");
}

// A library's constructor runs before the runtime starts: gort calls from
// it end the program with a message that says so (before: "this program
// was not started through its entry point", which was not the cause).
Test(realworld, shared_library_constructor) {
  HOSTED_ONLY("builds hosted programs with gort-c++ (a static program loads no shared library)");
  std::string d = test_dir() + "/realworld/shlib_ctor", s = linkdir();
  sh_ok(fresh(d) + "cd '" + d + "' && " + gortcxx() + " -fPIC -shared '" + s +
        "/shlib_ctor.cpp' -o libctor.so && " + gortcxx() + " '" + s +
        "/archive_main.cpp' -L. -lctor -Wl,-rpath,'$ORIGIN' -o prog");
  std::string v = "shlib_ctor";
  result r = run({d + "/prog"});
  EXPECT(r.exited && r.status == 2 && r.out.empty(), "exit 2");
  EXPECT(contains(r.err, "gort: gort called before the runtime started: the dynamic loader runs the constructors\n"
                         "gort: of shared libraries"),
         "the message");
}

// ---- running ----

// thread_local data larger than a g0 stack: each M's g0 mapping is sized
// from the program's static TLS; every M's g0 stack keeps its full size.
Test(realworld, large_thread_local) {
  for (const std::string& v : variants())
    for (const char* p : {"tls_big512", "tls_big256"}) {
      result r = runp(v, p, 4);
      cr_assert(r.exited && r.status == 0 && contains(r.out, "tls_big: ok\n"), "%s %s: %s", v.c_str(), p,
                show(r).c_str());
    }
}

// POSIX's sigwait pattern; new Ms take the mask the program set, and no
// runtime thread takes a signal the program blocked.
Test(realworld, sigwait_and_the_program_mask) {
  HOSTED_ONLY("tests/progs/sigmask.cpp uses pthreads");
  for (const std::string& v : variants())
    for (const char* s : {"sigwait", "newm"}) {
      result r = runp(v, "sigmask", 4, {s}, {}, 30);
      cr_assert(r.exited && r.status == 0 && contains(r.out, std::string(s) + ": ok\n"), "%s %s: %s", v.c_str(),
                s, show(r).c_str());
    }
}

// A fault signal the program sends itself is no fault: its default
// action, no report (googletest's KilledBySignal).
Test(realworld, self_sent_signal_takes_its_default_action) {
  HOSTED_ONLY("tests/progs/death.cpp uses std::thread");
  nocore();
  for (const std::string& v : some_variants()) {
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
      result r = runp(v, "death", 2, {"raise", std::to_string(sig)});
      EXPECT(!r.exited && r.signal == sig && r.err.empty(), "killed by the raised signal, silently");
      r = runp(v, "death", 2, {"kill", std::to_string(sig)});
      EXPECT(!r.exited && r.signal == sig && r.err.empty(), "killed by the signal kill sent");
    }
    result r = runp(v, "death", 2, {"child"});
    EXPECT(r.exited && r.status == 0 && r.out == "child killed by signal 11\n", "a forked child's raise");
  }
}

// Real faults and panics keep Go's report and exit 2; GOTRACEBACK=crash
// then ends the process by the original signal: SIGSEGV for the fault,
// SIGABRT for std::terminate (here from a std::thread).
Test(realworld, faults_and_terminate_with_gotraceback_crash) {
  HOSTED_ONLY("tests/progs/death.cpp uses std::thread");
  nocore();
  for (const std::string& v : some_variants()) {
    result r = runp(v, "death", 2, {"nil"});
    EXPECT(r.exited && r.status == 2, "exit 2");
    EXPECT(r.err.rfind("panic: runtime error: invalid memory address or nil pointer dereference\n", 0) == 0,
           "Go's report");
    r = runp(v, "death", 2, {"nil"}, {"GOTRACEBACK=crash"});
    EXPECT(!r.exited && r.signal == SIGSEGV, "killed by SIGSEGV");
    EXPECT(r.err.rfind("panic: runtime error: invalid memory address", 0) == 0 && contains(r.err, "death_nil"),
           "the report first");
    r = runp(v, "death", 2, {"thread_throws"});
    EXPECT(r.exited && r.status == 2 && r.err.rfind("panic: escaped a std::thread\n", 0) == 0,
           "a panic report, exit 2");
    r = runp(v, "death", 2, {"thread_throws"}, {"GOTRACEBACK=crash"});
    EXPECT(!r.exited && r.signal == SIGABRT && r.err.rfind("panic: escaped a std::thread\n", 0) == 0,
           "the report, then SIGABRT");
  }
}

// googletest's death tests, both styles (tests/progs/deathtest.cpp): the
// child of a fork without exec is a single-threaded C++ process, whose
// libc calls block its one thread as in C (before: the first sleep, read,
// waitpid or contended mutex was issue 19's fatal error, exit 2); only a
// goroutine switch is still that fatal error. The threadsafe style
// re-execs, so there goroutines work.
Test(realworld, death_tests_fast_and_threadsafe) {
  HOSTED_ONLY("tests/progs/deathtest.cpp uses std::thread and re-execs through glibc");
  SKIP_FORK_CHILD_UNDER_SANITIZER();
  nocore();
  struct {
    const char* stmt;
    const char* fast;        // what the parent says of the child
    const char* threadsafe;  // (null: as fast)
  } cases[] = {
      {"abort", "killed by signal 6", nullptr},
      {"exit", "exited 3", nullptr},
      {"sleep", "killed by signal 6", nullptr},
      {"pipe", "exited 4", nullptr},
      {"waitpid", "exited 5", nullptr},
      {"mutex", "exited 6", nullptr},
      {"returns", "exited 1, returned", nullptr},
      {"segv", "exited 2", nullptr},
      {"goroutine", "exited 2", "exited 7"},
  };
  for (const std::string& v : some_variants())
    for (int procs : {1, 4})
      for (const char* style : {"fast", "threadsafe"})
        for (const auto& c : cases) {
          const char* want = std::string(style) == "threadsafe" && c.threadsafe != nullptr ? c.threadsafe : c.fast;
          result r = runp(v, "deathtest", procs, {style, c.stmt});
          std::string line = std::string(style) + " " + c.stmt + ": " + want + "\n";
          cr_assert(r.exited && r.status == 0 && r.out == line, "%s P=%d: want %s%s", v.c_str(), procs, line.c_str(),
                    show(r).c_str());
          std::string stmt = c.stmt;
          if (stmt == "exit" || stmt == "pipe" || stmt == "waitpid" || stmt == "mutex")
            cr_assert(r.err == "child: static destructor\n", "%s: exit runs the child's destructors: %s", v.c_str(),
                      show(r).c_str());
          if (stmt == "segv")
            cr_assert(r.err.rfind("panic: runtime error: invalid memory address", 0) == 0, "%s: Go's report: %s",
                      v.c_str(), show(r).c_str());
          if (stmt == "goroutine" && std::string(style) == "fast")
            cr_assert(r.err.rfind("fatal error: fork() without exec: ", 0) == 0 && !contains(r.err, "a goroutine ran"),
                      "%s: issue 19's fatal error: %s", v.c_str(), show(r).c_str());
        }
}

// The same with real googletest (Debian's libgtest-dev, built by g++ as
// any system library): tests/link/gtest_death.cpp, EXPECT_EXIT and
// EXPECT_DEATH on statements that sleep, read a pipe, wait for a child,
// use threads and a contended mutex, in both styles. Before: Sleeps,
// ReadsAPipe, WaitsForItsChild and ThreadsAndAMutex failed in the fast
// style (fatal error in the child), WaitsForItsChild in the threadsafe one.
Test(realworld, googletest_death_tests) {
  HOSTED_ONLY("googletest is built against glibc");
  SKIP_FORK_CHILD_UNDER_SANITIZER();
  std::string d = test_dir() + "/realworld/gtest", s = linkdir();
  sh_ok(fresh(d) + gortcxx() + " -O2 '" + s + "/gtest_death.cpp' -o '" + d +
        "/prog' -lgtest_main -lgtest");
  std::string v = "gtest";
  for (const char* style : {"fast", "threadsafe"})
    for (int procs : {1, 4}) {
      result r = run({"/bin/sh", "-c",
                      "GOMAXPROCS=" + std::to_string(procs) + " exec \"$0\" --gtest_death_test_style=" + style,
                      d + "/prog"});
      EXPECT(r.exited && r.status == 0 && contains(r.out, "[  PASSED  ] 7 tests.\n"), style);
    }
}

// Goroutine 1 runs on the initial stack: pthread_getattr_np and
// __libc_stack_end describe it, and main has about RLIMIT_STACK of it.
Test(realworld, main_stack_is_the_process_stack) {
  HOSTED_ONLY("tests/progs/mainstack.cpp reads glibc's description of the stack");
  for (const std::string& v : variants()) {
    result r = runp(v, "mainstack", 2);
    EXPECT(r.exited && r.status == 0, "exit 0");
    for (const char* c : {"getattr_np", "bounds", "libc_stack_end", "deep"})
      EXPECT(contains(r.out, std::string(c) + ": ok\n"), c);
    // Under a smaller limit too (and the main goroutine's overflow is
    // still caught: diag_test's overflow is a goroutine's).
    r = run({"/bin/sh", "-c", "ulimit -s 2048 && exec \"$0\"", prog(v, "mainstack")});
    EXPECT(r.exited && r.status == 0 && count(r.out, ": ok\n") == 4, "ulimit -s 2048");
  }
}

// Boehm GC (libgc-dev) in a test_cpp.cc-style allocation loop: GC_init
// finds main's stack through __libc_stack_end.
Test(realworld, boehm_gc) {
  HOSTED_ONLY("builds a hosted program with gort-c++ (Boehm GC needs glibc)");
  std::string d = test_dir() + "/realworld/gc", s = linkdir();
  sh_ok(fresh(d) + gortcxx() + " -O2 '" + s + "/gc_loop.cpp' -o '" + d +
        "/prog' -lgccpp -lgc");
  std::string v = "gc";
  for (int procs : {1, 4}) {
    result r = run({"/bin/sh", "-c", "GOMAXPROCS=" + std::to_string(procs) + " exec \"$0\" 20", d + "/prog"});
    EXPECT(r.exited && r.status == 0 && contains(r.out, "kept-sum intact: ok\n"), "collections ran");
  }
}

// pthread_exit from main: glibc's behaviour (the process ends when its
// last thread ends); from a goroutine: Go's Goexit.
Test(realworld, pthread_exit) {
  HOSTED_ONLY("pthread_exit is glibc's");
  for (const std::string& v : some_variants()) {
    result r = runp(v, "pthread_exit", 2, {"main_thread_exits"}, {}, 30);
    EXPECT(r.exited && r.status == 0 && r.out == "worker finished\n", "the worker ends the process");
    r = runp(v, "pthread_exit", 2, {"main_last_thread"}, {}, 30);
    EXPECT(r.exited && r.status == 0 &&
               r.out == "main's destructor ran\natexit: thread done 1, goroutine done 1\n",
           "destructors, then exit(0) after the last thread and goroutine");
    r = runp(v, "pthread_exit", 2, {"goroutine"}, {}, 30);
    EXPECT(r.exited && r.status == 0 && r.out == "goroutine's destructor ran\nmain goes on\n", "Goexit");
    r = runp(v, "pthread_exit", 2, {"not_rethrown"}, {}, 30);
    EXPECT(r.exited && r.status == 2 && contains(r.err, "fatal error: pthread_exit: the unwinding of the goroutine "
                                                        "was caught and not rethrown"),
           "a swallowed unwind is fatal");
  }
}

// A static whose initialiser reaches itself is an error, never a hang;
// concurrent initialisation parks goroutines instead of blocking Ms.
Test(realworld, static_initialisation) {
  HOSTED_ONLY("tests/progs/static_init.cpp uses std::thread");
  for (const std::string& v : some_variants())
    for (int procs : {1, 4}) {
      for (const char* s : {"recursion", "goroutines", "threads", "throws"}) {
        result r = runp(v, "static_init", procs, {s}, {}, 20);
        cr_assert(r.exited && r.status == 0 && contains(r.out, std::string(s) + ": ok"), "%s P=%d %s: %s",
                  v.c_str(), procs, s, show(r).c_str());
      }
      result r = runp(v, "static_init", procs, {"uncaught"}, {}, 20);
      EXPECT(r.exited && r.status == 2 &&
                 r.err.rfind("panic: recursive initialisation of a function-local static "
                             "(__gnu_cxx::recursive_init_error)\n",
                             0) == 0 &&
                 contains(r.err, "\nrecurse()\n"),
             "a panic report naming it");
    }
}
