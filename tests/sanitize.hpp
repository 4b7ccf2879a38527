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

// SKIP_UNDER_TSAN skips the test under ThreadSanitizer, saying why. Under
// TSan every goroutine is a fiber, which TSan counts with the threads: at
// most 8128 alive at once ("Thread limit exceeded. Dying"), and each costs
// about half a millisecond to start (gort-debug(7)).
#define SKIP_UNDER_TSAN(why)                                   \
  do {                                                         \
    if (test_sanitizer() == "thread") {                        \
      SKIP("under -fsanitize=thread: %s", why);                \
      return;                                                  \
    }                                                          \
  } while (0)

// Under ThreadSanitizer the runtime sends no preemption signal
// (sigpreemptinit, gort-debug(7)): the tests of asynchronous preemption
// skip there.
#define SKIP_WITHOUT_ASYNC_PREEMPTION() \
  SKIP_UNDER_TSAN("no asynchronous preemption (TSan cannot take its signal)")

// A fork child of a program with several threads (every gort program
// once sysmon starts) is half supported by TSan: it dies if the child
// starts a thread (die_after_fork), and its fibers' synchronisation does
// not carry over (the child's first park is reported as a race).
#define SKIP_FORK_CHILD_UNDER_TSAN() SKIP_UNDER_TSAN("TSan does not support a forked child of a threaded program")

// Under ASan (GCC 12's), fork takes none of the allocator's locks: the
// child of a threaded program can wait for ever in malloc, on a lock that
// another thread of the parent held (a death test's child hung so here).
#define SKIP_FORK_CHILD_UNDER_SANITIZER()                                                            \
  do {                                                                                               \
    SKIP_FORK_CHILD_UNDER_TSAN();                                                                    \
    if (test_sanitizer() == "address") {                                                             \
      SKIP("under -fsanitize=address: a forked child of a threaded program may hang in ASan's malloc"); \
      return;                                                                                        \
    }                                                                                                \
  } while (0)

#define SKIP_UNDER_SANITIZER(why)                                          \
  do {                                                                     \
    if (!test_sanitizer().empty()) {                                       \
      SKIP("under -fsanitize=%s: %s", test_sanitizer().c_str(), why);      \
      return;                                                              \
    }                                                                      \
  } while (0)
