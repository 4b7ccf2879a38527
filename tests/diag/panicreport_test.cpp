// tests/diag/panicreport_test.cpp: panic and fatal reports in hard places
// (issue 19, items 5, 6, 7 and 9), from tests/progs/panicreport.cpp. Every
// one must print its report and exit with status 2, never silently, and
// never run the program's static destructors.
#include <criterion/criterion.h>

#include <string>
#include <vector>

#include "harness.hpp"
#include "sanitize.hpp"

static result rp(const std::string& v, std::vector<std::string> args, std::vector<std::string> env = {}) {
  return runp(v, "panicreport", 2, args, env, 60);
}

#define EXPECT(cond, what) cr_assert((cond), "%s %s: %s\n%s", v.c_str(), name.c_str(), what, show(r).c_str())

static void expect_report(const std::string& v, const std::string& name, const result& r) {
  EXPECT(r.exited && r.status == 2, "exit status 2");
  EXPECT(!contains(r.err, "panic during panic") && !contains(r.err, "stack trace unavailable"), "a whole report");
  EXPECT(!contains(r.err, "static destructor ran"), "no static destructors");
}

// Item 5: Go calls Error() before the report starts (preprintpanics); so
// must we call what(), which may yield, block or throw.
Test(panicreport, what_that_yields_or_blocks) {
  for (const std::string& v : some_variants()) {
    for (std::string name : {"what_gosched", "what_lock", "what_chan"}) {
      result r = rp(v, {name});
      expect_report(v, name, r);
      std::string want = name == "what_gosched" ? "panic: errorThatGosched\n\ngoroutine 1 [running]:\nmain("
                         : name == "what_lock"  ? "panic: errorThatLocks\n\ngoroutine 1 [running]:\nmain("
                                                : "panic: errorThatReceives 42\n\ngoroutine 1 [running]:\nmain(";
      EXPECT(r.err.rfind(want, 0) == 0, "the report, from its first line");  // Go's TestPanicDeadlockGosched
    }
    std::string name = "what_print";  // Go's TestPanicDeadlockSyscall
    result r = rp(v, {name});
    expect_report(v, name, r);
    EXPECT(r.err.rfind("1\n2\npanic: 3\n\n", 0) == 0, "what()'s output, then the report");
  }
}

// Go's TestPanicLoop and TestPanicWhilePanicking: what() throws in turn.
Test(panicreport, what_that_throws) {
  for (const std::string& v : some_variants()) {
    std::string name = "what_panics";
    result r = rp(v, {name});
    expect_report(v, name, r);
    EXPECT(contains(r.err, "fatal error: panic while printing panic value: double error\n"), "the inner panic's string");
    name = "what_throws";
    r = rp(v, {name});
    expect_report(v, name, r);
    EXPECT(contains(r.err, "fatal error: panic while printing panic value: type otherError\n"), "the inner value's type");
  }
}

// Item 6: main returns while another goroutine is reporting its panic
// (what() lets main run first): the report wins, with status 2.
Test(panicreport, main_returning_waits_for_a_panic) {
  for (const std::string& v : some_variants()) {
    std::string name = "main_returns";
    for (int i = 0; i < 5; i++) {
      result r = rp(v, {name});
      expect_report(v, name, r);
      EXPECT(contains(r.err, "panic: goroutine failed while main returned\n\ngoroutine "), "the report");
    }
  }
}

// Item 7: reports are printed on a stack of their own, whatever is left of
// the failing goroutine's: 120 KiB used of 256 KiB, and a goroutine stack
// of 16, 32, 64 or 128 KiB in all.
Test(panicreport, deep_in_the_stack) {
  for (const std::string& v : some_variants()) {
    for (std::string what : {"throw", "mutex", "panic", "segv"}) {
      std::string name = "deep 120 " + what;
      result r = rp(v, {"deep", "120", what});
      expect_report(v, name, r);
      EXPECT(contains(r.err, "\ngoroutine 2 [running]:\n"), "the goroutine's header");
      EXPECT(count(r.err, "\ndeep(int, ") >= 50, "its frames");
    }
    for (std::string size : {"16k", "32k", "64k", "128k"})
      for (std::string what : {"throw", "mutex"}) {
        std::string name = "GORT_STACKSIZE=" + size + " deep 1 " + what;
        result r = rp(v, {"deep", "1", what}, {"GORT_STACKSIZE=" + size});
        expect_report(v, name, r);
        EXPECT(count(r.err, "\ndeep(int, ") >= 2 && contains(r.err, "\ncreated by main"), "the frames");
      }
  }
}

// Item 9: a report when nothing more can be mapped (RLIMIT_AS at the
// process's size): the array that would put the goroutines in creation
// order cannot be mapped, and every goroutine is shown all the same,
// newest first (traceback.cpp), none silently left out; the helper that
// names the frames is a fresh process, which still fits.
Test(panicreport, no_memory_left) {
  SKIP_UNDER_SANITIZER("the sanitizer needs address space of its own, past any RLIMIT_AS the test can set");
  for (const std::string& v : some_variants()) {
    std::string name = "nomem 4200";
    result r = rp(v, {"nomem", "4200"});
    expect_report(v, name, r);
    EXPECT(contains(r.err, "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 4201 [chan receive]:\n"),
           "the report's header, then the newest goroutine");
    EXPECT(count(r.err, "\ngoroutine ") == 4201, "every goroutine");
    EXPECT(contains(r.err, "\ngoroutine 2 [chan receive]:\n") && contains(r.err, "\ngoroutine 1 [chan receive]:\n"),
           "the oldest");
    EXPECT(!contains(r.err, "frames without names"), "named frames");
  }
}
