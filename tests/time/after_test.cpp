// tests/time/after_test.cpp: a gort::after timer that nothing can receive
// from any more is stopped and freed at once (Go 1.23's collector does the
// same; issue 19: the soak's RSS grew with them). Runs
// tests/progs/after_loop.cpp.
#include <criterion/criterion.h>

#include <cstdlib>
#include <string>

#include "harness.hpp"
#include "sanitize.hpp"

TestSuite(after, .timeout = 300);

// 100000 rounds of `select { case <-ready: case <-time.After(time.Hour) }`
// and 100000 detached timers whose channels are dropped: before the fix
// every one stayed allocated until it fired (20 MiB each run), now the
// bytes in use stay within 1 MiB.
Test(after, unreachable_timers_are_freed) {
  HOSTED_ONLY("after_loop reads glibc's mallinfo2");
  SKIP_UNDER_SANITIZER("the sanitizer's allocator keeps freed memory in quarantine and answers mallinfo2 itself");
  for (const std::string& v : some_variants())
    for (int procs : {1, 2})
      for (const char* what : {"select", "detach"}) {
        result r = runp(v, "after_loop", procs, {what, "100000"}, {}, 120);
        cr_assert(r.exited && r.status == 0 && contains(r.out, "heap growth ") && !contains(r.out, "FAIL"),
                  "%s P=%d %s: %s", v.c_str(), procs, what, show(r).c_str());
        long growth = std::atol(r.out.c_str() + r.out.find("heap growth ") + 12);
        cr_assert(growth < 1024, "%s P=%d %s: %ld KiB still allocated after 100000 unreachable timers: %s", v.c_str(),
                  procs, what, growth, show(r).c_str());
      }
}

// A timer whose channel still has a handle somewhere keeps firing; one
// whose last handle goes on a thread that gort does not manage is left to
// fire and freed then.
Test(after, reachable_timers_fire) {
  HOSTED_ONLY("after_loop reads glibc's mallinfo2");
  for (const std::string& v : some_variants())
    for (int procs : {1, 2})
      for (const char* what : {"kept", "foreign"}) {
        result r = runp(v, "after_loop", procs, {what});
        cr_assert(r.exited && r.status == 0 && r.out == std::string(what) + ": ok\n", "%s P=%d %s: %s", v.c_str(),
                  procs, what, show(r).c_str());
      }
}
