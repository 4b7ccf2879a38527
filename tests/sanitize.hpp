// tests/sanitize.hpp: which sanitizer the suite runs under (make
// check-asan, check-tsan set GORT_TEST_SANITIZE), for the tests that cannot
// hold there and skip, saying why (tests/skip.hpp).
#pragma once

#include <cstdlib>
#include <string>

#include "skip.hpp"

inline std::string test_sanitizer() {
  const char* s = std::getenv("GORT_TEST_SANITIZE");
  return s != nullptr ? s : "";
}

// Under ThreadSanitizer the runtime sends no preemption signal
// (sigpreemptinit, gort-debug(7)): the tests of asynchronous preemption
// skip there.
#define SKIP_WITHOUT_ASYNC_PREEMPTION()                                                      \
  do {                                                                                       \
    if (test_sanitizer() == "thread") {                                                      \
      SKIP("under -fsanitize=thread: no asynchronous preemption (TSan cannot take its signal)"); \
      return;                                                                                \
    }                                                                                        \
  } while (0)

#define SKIP_UNDER_SANITIZER(why)                                          \
  do {                                                                     \
    if (!test_sanitizer().empty()) {                                       \
      SKIP("under -fsanitize=%s: %s", test_sanitizer().c_str(), why);      \
      return;                                                              \
    }                                                                      \
  } while (0)
