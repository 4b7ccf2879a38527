// tests/boot/crt_test.cpp: what a crt must get right (tests/progs/crt.cpp:
// TLS, the canary, relocated data, IFUNCs, function-local statics,
// thread_local destructors, stack smashing), and the C++ a program gets
// (tests/progs/cxxcore.cpp, against plain g++). In both flavours: under
// the hosted one ld.so and glibc do the work, under the nolibc one gort's
// crt does it all.
#include <criterion/criterion.h>

#include <csignal>

#include "harness.hpp"
#include "sanitize.hpp"

TestSuite(crt, .timeout = 300);

Test(crt, tls_canary_relocations_ifunc_statics_tls_destructors) {
  for (const std::string& v : variants())
    for (int procs : {1, 2}) {
      result r = runp(v, "crt", procs);
      expect_scenarios(r, "crt " + v, procs, {"tls", "canary", "reloc", "ifunc", "statics", "tlsdtor"});
      cr_assert(contains(r.out, "\nthread_local destructor ran\n"), "crt %s: %s", v.c_str(), show(r).c_str());
    }
}

// The canary is checked: an overflow of a protected buffer ends the
// program as glibc ends it. (Under ASan the write into the buffer's red
// zone is caught first, and ASan ends the program with its own report.)
Test(crt, stack_smashing_dies_by_sigabrt_with_glibcs_message) {
  for (const std::string& v : variants()) {
    result r = run({"/bin/sh", "-c", "ulimit -c 0; exec \"$0\" smash", prog(v, "crt")});
    if (test_sanitizer() == "address") {
      cr_assert(r.exited && r.status != 0, "%s: %s", v.c_str(), show(r).c_str());
      cr_assert(contains(r.err, "ERROR: AddressSanitizer: stack-buffer-overflow"), "%s: %s", v.c_str(),
                show(r).c_str());
      cr_assert(!contains(r.out, "survived"), "%s: %s", v.c_str(), show(r).c_str());
      continue;
    }
    cr_assert(!r.exited && r.signal == SIGABRT, "%s: %s", v.c_str(), show(r).c_str());
    cr_assert(contains(r.err, "*** stack smashing detected ***: terminated\n"), "%s: %s", v.c_str(), show(r).c_str());
    cr_assert(!contains(r.out, "survived"), "%s: %s", v.c_str(), show(r).c_str());
  }
}

Test(crt, cxx_core_matches_plain_gxx) {
  result oracle = run({test_dir() + "/oracle/cxxcore"});
  cr_assert(oracle.exited && oracle.status == 0, "oracle: %s", show(oracle).c_str());
  // The oracle must show what is compared, or the comparison proves little.
  for (const char* want : {"caught out_of_range: bottom\n", "nested int: 42\n", "bad_cast\n", "unwinding: 0 live after\n",
                           "exact: 0.10000000000000000555 ", "static initialised once\n"})
    cr_assert(contains(oracle.out, want), "oracle lacks %s: %s", want, oracle.out.c_str());
  // The oracle is built without a sanitizer; under one cxxcore does not
  // try its huge allocation (tests/progs/cxxcore.cpp) and says so.
  std::string want = oracle.out;
  if (!test_sanitizer().empty()) {
    std::size_t at = want.find("\nbad_alloc\n");
    cr_assert(at != std::string::npos, "oracle: %s", want.c_str());
    want.replace(at + 1, 10, "bad_alloc: not tried under a sanitizer\n");
  }
  for (const std::string& v : variants()) {
    result r = run({prog(v, "cxxcore")});
    cr_assert(r.exited && r.status == 0, "%s: %s", v.c_str(), show(r).c_str());
    cr_assert_eq(r.out, want, "%s: gort:\n%s\nplain g++:\n%s", v.c_str(), r.out.c_str(), want.c_str());
    cr_assert_eq(r.err, oracle.err, "%s", v.c_str());
  }
}
