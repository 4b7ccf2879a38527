// tests/env/env_test.cpp: reading the environment (runtime1.cpp): numbers
// and GODEBUG. Bare-structure tests: they call the parsers directly. (What
// a program does with GOMAXPROCS and GORT_STACKSIZE, good and bad, is in
// tests/boot/boot_test.cpp.)
#include <criterion/criterion.h>

#include "bare.hpp"

Test(env, atoi64) {
  int64 v;
  cr_assert(atoi64("42", &v) && v == 42);
  cr_assert(atoi64("-7", &v) && v == -7);
  cr_assert(!atoi64("+7", &v));  // no '+', as Go's atoi (GOMAXPROCS=+1 is refused)
  cr_assert(!atoi64("", &v));
  cr_assert(!atoi64("-", &v));
  cr_assert(!atoi64("4x", &v));
  cr_assert(!atoi64("99999999999999999999", &v));
}

Test(env, godebug_parsing) {
  char e0[] = "GODEBUG=schedtrace=1000,unknown=3,scheddetail=1,boottrace=x,asyncpreemptoff=1";
  char* env[] = {e0, nullptr};
  envp_ = env;
  parsedebugvars();
  cr_assert_eq(debug.schedtrace, 1000);
  cr_assert_eq(debug.scheddetail, 1);
  cr_assert_eq(debug.asyncpreemptoff, 1);
  cr_assert_eq(debug.boottrace, 0);  // not a number: ignored, as Go does
  cr_assert_str_eq(gogetenv("GODEBUG"), e0 + 8);
  cr_assert_null(gogetenv("GODEBU"));
}
