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

#define SKIP_UNDER_SANITIZER(why)                                          \
  do {                                                                     \
    if (!test_sanitizer().empty()) {                                       \
      SKIP("under -fsanitize=%s: %s", test_sanitizer().c_str(), why);      \
      return;                                                              \
    }                                                                      \
  } while (0)

// without_sanitizer_notes returns err less the sanitizer's one-line notes
// ("==PID==..."), such as LSan's "Running thread N was not suspended" in a
// forked child of a threaded program: for the tests that compare stderr
// exactly.
inline std::string without_sanitizer_notes(const std::string& err) {
  if (test_sanitizer().empty()) return err;
  std::string out;
  std::size_t at = 0;
  while (at < err.size()) {
    std::size_t nl = err.find('\n', at);
    std::size_t end = nl == std::string::npos ? err.size() : nl + 1;
    std::size_t d = 2;
    while (at + d < err.size() && err[at + d] >= '0' && err[at + d] <= '9') d++;
    bool note = err.compare(at, 2, "==") == 0 && d > 2 && err.compare(at + d, 2, "==") == 0;
    if (!note) out.append(err, at, end - at);
    at = end;
  }
  return out;
}
