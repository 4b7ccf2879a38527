// tests/boot/driver_test.cpp: the compiler driver, scripts/gort-c++ (what
// it refuses, what it passes through to g++). Child-process tests: they run
// the driver and the program it built.
#include <criterion/criterion.h>

#include <cstdlib>

#include "harness.hpp"

#define EXPECT_EXIT(r, code) \
  cr_assert((r).exited && (r).status == (code), "want exit %d, got %s", (code), show(r).c_str())

// (-shared is accepted: realworld_test.cpp's shared_library.)
Test(driver, rejects_static_and_nostdlib) {
  const char* bin = std::getenv("GORT_BIN");
  std::string drv = std::string(bin != nullptr ? bin : "build/bin") + "/gort-c++";
  for (std::string flag : {"-static", "--static", "-static-pie", "-nostdlib"}) {
    result r = run({drv, flag, "tests/wrong/hello.cpp", "-o", "/dev/null"});
    EXPECT_EXIT(r, 2);
    cr_assert(contains(r.err, "gort-c++: " + flag), "%s", r.err.c_str());
  }
}

Test(driver, compile_only_and_version_pass_through) {
  const char* bin = std::getenv("GORT_BIN");
  std::string drv = std::string(bin != nullptr ? bin : "build/bin") + "/gort-c++";
  result v = run({drv, "--version"});
  EXPECT_EXIT(v, 0);
  cr_assert(contains(v.out, "g++"), "%s", v.out.c_str());
  char tmpl[] = "/tmp/gort-drv-XXXXXX";
  cr_assert(mkdtemp(tmpl) != nullptr);
  std::string obj = std::string(tmpl) + "/hello.o";
  result c = run({drv, "-c", "-O2", "tests/wrong/hello.cpp", "-o", obj});
  EXPECT_EXIT(c, 0);
  std::string exe = std::string(tmpl) + "/hello";
  result l = run({drv, obj, "-o", exe});
  EXPECT_EXIT(l, 0);
  result r = run({exe});
  EXPECT_EXIT(r, 0);
  cr_assert_eq(r.out, "ran=1\n");
  sh(std::string("rm -rf ") + tmpl);
}
