// tests/sched/lockedexit_test.cpp: goroutines that exit locked to their
// thread end it, and nothing of it survives (issue 19, items 3 and 4).
#include <criterion/criterion.h>

#include <cstdlib>
#include <string>

#include "harness.hpp"
#include "sanitize.hpp"

// Item 3: Go's TestLockOSThreadAvoidsStatePropagation. The M that ends
// with the locked goroutine would create its successor itself, which would
// inherit its state (here, an unshared working directory); Ms are made by
// the template thread instead.
Test(lockedexit, no_state_propagation) {
  for (const std::string& v : some_variants())
    for (int procs : {1, 2}) {
      result r = runp(v, "lockedexit", procs, {"state"});
      cr_assert(r.exited && r.status == 0, "%s P=%d: %s", v.c_str(), procs, show(r).c_str());
      if (contains(r.out, "skip:")) {
        SKIP("%s", r.out.c_str());
        return;
      }
      cr_assert(r.out == "new locked goroutine: cwd /\nmain: cwd /\n", "%s P=%d: %s", v.c_str(), procs, show(r).c_str());
    }
}

// Item 4: a reused M got a new signal g each time (352 bytes per locked
// exit: 3.4 MiB for these 10000). RSS must stay within 1 MiB.
Test(lockedexit, no_leak_per_locked_exit) {
  SKIP_UNDER_SANITIZER("the sanitizer's own memory (quarantine, thread state) grows with the threads");
  std::string v = some_variants().front();
  result r = runp(v, "lockedexit", 2, {"leak", "10000"}, {}, 120);
  cr_assert(r.exited && r.status == 0 && contains(r.out, "rss growth "), "%s: %s", v.c_str(), show(r).c_str());
  long growth = std::atol(r.out.c_str() + r.out.find("rss growth ") + 11);
  cr_assert(growth < 1024, "%s: RSS grew %ld KiB over 10000 locked exits: %s", v.c_str(), growth, show(r).c_str());
}
