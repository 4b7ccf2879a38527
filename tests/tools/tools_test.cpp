// tests/tools/tools_test.cpp: valgrind on gort programs (issue 19): with
// every goroutine stack registered (VALGRIND_STACK_REGISTER), memcheck on
// a correct 4-worker channel program reports no error (before: 13,000 to
// 2,600,000 of them, every goroutine switch taken for a stack that grew or
// shrank).
#include <criterion/criterion.h>

#include <string>

#include "harness.hpp"
#include "sanitize.hpp"

Test(tools, valgrind_memcheck_is_clean) {
  SKIP_UNDER_SANITIZER("valgrind cannot run a sanitized program");
  if (sh("command -v valgrind").empty()) {
    SKIP("valgrind is not installed");
    return;
  }
  for (const std::string& v : some_variants())
    for (int procs : {1, 4}) {
      std::vector<std::string> env = {"GOMAXPROCS=" + std::to_string(procs)};
      result r = run({"/usr/bin/env", "valgrind", "--error-exitcode=9", prog(v, "workers"), "20000"}, &env, 300);
      cr_assert(r.exited && r.status == 0 && contains(r.out, "sum=2666866670000 ok\n") &&
                    contains(r.err, "ERROR SUMMARY: 0 errors from 0 contexts"),
                "%s GOMAXPROCS=%d: %s", v.c_str(), procs, show(r).c_str());
    }
}

// Under check-asan the test binary itself is built with ASan: the
// harness's and Criterion's own allocations alive at exit are not the
// programs under test, whose leaks LSan still reports (their own options
// come from ASAN_OPTIONS alone).
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
