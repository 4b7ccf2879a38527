// tests/env/envcheck_test.cpp: the small defects of issue 19, item 11.
#include <criterion/criterion.h>

#include <cstdlib>
#include <string>

#include "harness.hpp"
#include "sanitize.hpp"
#include "skip.hpp"

// GOMAXPROCS=+1 is refused, as every value Go's atoi would not take.
Test(envcheck, gomaxprocs_plus_one_refused) {
  std::string v = some_variants().front();
  for (std::string bad : {"+1", "+2", " 1", "1 "}) {
    std::vector<std::string> env = {"GOMAXPROCS=" + bad};
    result r = run({prog(v, "panicreport"), "chandeadlock"}, &env, 30);
    cr_assert(r.exited && r.status == 2 && contains(r.err, "gort: GOMAXPROCS=\"" + bad + "\" is not valid"),
              "GOMAXPROCS='%s': %s", bad.c_str(), show(r).c_str());
  }
}

// GOTRACEBACK=single (the default) shows no runtime frame, not even one
// inlined into a runtime function (chanpark).
Test(envcheck, gotraceback_single_hides_inlined_runtime_frames) {
  for (const std::string& v : some_variants())
    for (std::string tb : {"single", ""}) {
      result r = runp(v, "panicreport", 2, {"chandeadlock"}, {"GOTRACEBACK=" + tb});
      cr_assert(r.exited && r.status == 2 && contains(r.err, "goroutine 1 [chan receive]:\n"), "%s: %s", v.c_str(),
                show(r).c_str());
      cr_assert(!contains(r.err, "chanpark") && !contains(r.err, "\nruntime."), "%s GOTRACEBACK=%s: %s", v.c_str(),
                tb.c_str(), show(r).c_str());
      cr_assert(contains(r.err, "\ngort::chan<int>::recv() const\n"), "%s: %s", v.c_str(), show(r).c_str());
    }
}

// The stack guard that cannot be installed names the limit it hit.
Test(envcheck, stack_guard_failure_names_vm_max_map_count) {
  SKIP_UNDER_TSAN("TSan allows 8128 threads and fibers alive at once, far from vm.max_map_count");
  long limit = std::atol(sh("cat /proc/sys/vm/max_map_count").c_str());
  if (limit <= 0 || limit > 100000) {
    SKIP("vm.max_map_count is %ld: too many goroutines needed to reach it", limit);
    return;
  }
  std::string v = some_variants().front();
  result r = runp(v, "panicreport", 2, {"manystacks", std::to_string(limit / 2 + 2000)}, {"GODEBUG=guardmprotect=1"});
  cr_assert(r.exited && r.status == 2, "%s", show(r).c_str());
  cr_assert(contains(r.err, "vm.max_map_count is " + std::to_string(limit) + "\n") &&
                contains(r.err, "raise vm.max_map_count") &&
                contains(r.err, "fatal error: runtime: cannot install a stack guard\n"),
            "%s", show(r).c_str());
}
